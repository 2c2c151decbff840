// Add Connection (one multi-step input with Back: name, a connection string or a host with port,
// database, user and TLS, the password), Edit and Remove. The connection is tested before it is
// saved; the password goes to SecretStorage, never into settings.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { ConnectionConfig, SslMode } from '../postgres/connectionConfig';
import { resolveConnection } from '../postgres/connectionOptions';
import { connectionStringHasPassword, parseConnectionString, removePasswordFromConnectionString } from '../postgres/connectionString';
import { describeError } from '../postgres/errors';
import { openClient } from '../postgres/openClient';
import { Logger } from '../log';
import { MultiStepInput, Step } from './multiStepInput';
import { CONNECTIONS_SETTING, readConnections } from './connectionSettings';
import { PasswordStore } from './passwordStore';

export class ConnectionCommands {
  constructor(
    private readonly passwords: PasswordStore,
    private readonly log: Logger,
  ) {}

  /** Adds a connection (prefilled with `prefill`, e.g. from the dashboard's Fleet), or edits `existing`. */
  async add(existing?: ConnectionConfig, prefill?: Pick<ConnectionConfig, 'name' | 'host' | 'port' | 'prometheusSelector'>): Promise<ConnectionConfig | undefined> {
    const taken = new Set(readConnections().connections.map((c) => c.name));
    if (existing) taken.delete(existing.name);
    const state: AddState = {
      // As the Command Palette names the commands (package.nls.json: category, command.*.title).
      title: existing ? vscode.l10n.t('PostgreSQL Health: Edit Connection') : vscode.l10n.t('PostgreSQL Health: Add Connection'),
      taken,
      stored: existing ? await this.passwords.get(existing.name) : undefined,
      name: existing?.name ?? prefill?.name ?? '',
      target: existing ? (existing.connectionString ?? existing.host ?? '127.0.0.1') : (prefill?.host ?? '127.0.0.1'),
      port: String(existing?.port ?? prefill?.port ?? 5432),
      database: existing?.database ?? 'postgres',
      user: existing?.user ?? 'postgres',
      ssl: existing?.ssl ?? 'prefer',
      sslRootCert: existing?.sslRootCert ?? '',
      password: undefined,
      keepSsl: existing?.ssl !== undefined,
    };
    if (!(await MultiStepInput.run(askName, state))) return undefined;

    let config: ConnectionConfig = { name: state.name.trim() };
    let password = state.password;
    if (isConnectionString(state.target)) {
      if (connectionStringHasPassword(state.target)) password = parseConnectionString(state.target).password;
      config.connectionString = removePasswordFromConnectionString(state.target);
      // Editing keeps the TLS settings the string's steps do not ask about.
      if (existing?.ssl) config.ssl = existing.ssl;
      if (existing?.sslRootCert) config.sslRootCert = existing.sslRootCert;
    } else {
      config = { ...config, host: state.target.trim(), port: Number(state.port), database: state.database, user: state.user };
      if (state.ssl !== 'prefer' || state.keepSsl) config.ssl = state.ssl;
      if (needsCaStep(state) && state.sslRootCert.trim() !== '') config.sslRootCert = state.sslRootCert.trim();
    }
    const selector = existing?.prometheusSelector ?? prefill?.prometheusSelector;
    if (selector) config.prometheusSelector = selector;
    // An empty answer keeps the stored password: it is tested with the new settings and follows a rename.
    const secret = password === undefined || password === '' ? state.stored : password;
    const tested = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Connecting to {0}…', config.name) },
      () => testConnection(config, secret),
    );
    if (tested !== undefined) {
      const save = vscode.l10n.t('Save Anyway');
      const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Could not connect to {0}: {1}', config.name, tested), { modal: true }, save);
      if (choice !== save) return undefined;
    }
    if (secret !== undefined) await this.passwords.set(config.name, secret);
    await this.save(config, existing?.name);
    if (existing && existing.name !== config.name) await this.passwords.delete(existing.name);
    this.log.info(`saved connection ${config.name}`);
    return config;
  }

  async remove(name: string): Promise<void> {
    const confirm = vscode.l10n.t({ message: 'Remove', comment: ['The button that confirms removing a connection'] });
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Remove the connection "{0}" and its stored password?', name), { modal: true }, confirm);
    if (choice !== confirm) return;
    await this.save(undefined, name);
    await this.passwords.delete(name);
    this.log.info(`removed connection ${name}`);
  }

  /** A password inside a connection string in settings works, but belongs in secret storage. */
  async offerToMovePassword(config: ConnectionConfig): Promise<void> {
    if (!config.connectionString || !connectionStringHasPassword(config.connectionString)) return;
    const move = vscode.l10n.t('Move to Secret Storage');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('The connection "{0}" has a password in its connection string in your settings. Settings files are plain text and often shared.', config.name),
      move,
    );
    if (choice !== move) return;
    const password = parseConnectionString(config.connectionString).password;
    if (password !== undefined) await this.passwords.set(config.name, password);
    await this.save({ ...config, connectionString: removePasswordFromConnectionString(config.connectionString) }, config.name);
  }

  /** Writes the entry where the existing one lives (workspace or user settings); new ones go to user settings. */
  private async save(config: ConnectionConfig | undefined, replacing: string | undefined): Promise<void> {
    const settings = vscode.workspace.getConfiguration();
    const inspected = settings.inspect<ConnectionConfig[]>(CONNECTIONS_SETTING);
    const inWorkspace = replacing !== undefined && (inspected?.workspaceValue ?? []).some((c) => c.name === replacing);
    const targetScope = inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const current = [...((inWorkspace ? inspected?.workspaceValue : inspected?.globalValue) ?? [])];
    const index = replacing === undefined ? -1 : current.findIndex((c) => c.name === replacing);
    if (config && index >= 0) current[index] = config;
    else if (config) current.push(config);
    else if (index >= 0) current.splice(index, 1);
    await settings.update(CONNECTIONS_SETTING, current, targetScope);
  }
}

/** undefined when the connection works, otherwise the reason in words. */
async function testConnection(config: ConnectionConfig, password: string | undefined): Promise<string | undefined> {
  try {
    const resolved = await resolveConnection(config, { secretPassword: () => password });
    const opened = await openClient(resolved, { onError: () => undefined, onEnd: () => undefined });
    await opened.client.end();
    return undefined;
  } catch (err) {
    return describeError(err).message;
  }
}

interface AddState {
  title: string;
  taken: Set<string>;
  /** The password already in secret storage (editing). */
  stored: string | undefined;
  name: string;
  /** A connection string, or a host name. */
  target: string;
  port: string;
  database: string;
  user: string;
  ssl: SslMode;
  sslRootCert: string;
  password: string | undefined;
  /** The entry had an explicit ssl: keep writing it even when it is the default. */
  keepSsl: boolean;
}

function isConnectionString(target: string): boolean {
  return /:\/\/|=/.test(target);
}

function needsCaStep(state: AddState): boolean {
  return state.ssl === 'require' || state.ssl === 'verify-full';
}

/** name, target, then port, database, user, TLS, (CA file), password — or, for a string, its password. */
function totalSteps(state: AddState): number {
  if (isConnectionString(state.target)) return connectionStringHasPassword(state.target) ? 2 : 3;
  return needsCaStep(state) ? 8 : 7;
}

const askName: Step<AddState> = async (input, state) => {
  state.name = await input.inputBox({
    title: state.title,
    step: 1,
    totalSteps: totalSteps(state),
    prompt: vscode.l10n.t('A name for this database, shown in the Databases view'),
    value: state.name,
    validate: (v) => (v.trim() === '' ? vscode.l10n.t('Enter a name') : state.taken.has(v.trim()) ? vscode.l10n.t('"{0}" is already configured', v.trim()) : undefined),
  });
  return askTarget;
};

const askTarget: Step<AddState> = async (input, state) => {
  state.target = await input.inputBox({
    title: state.title,
    step: 2,
    totalSteps: totalSteps(state),
    prompt: vscode.l10n.t('A connection string (postgresql://user@host:5432/database?sslmode=require) or just the host name'),
    value: state.target,
    ignoreFocusOut: true,
    validate: (v) => {
      if (v.trim() === '') return vscode.l10n.t('Enter a host or a connection string');
      if (isConnectionString(v)) {
        try {
          parseConnectionString(v);
        } catch (err) {
          return err instanceof Error ? err.message : String(err);
        }
      }
      return undefined;
    },
  });
  if (isConnectionString(state.target)) return connectionStringHasPassword(state.target) ? undefined : askPassword;
  return askPort;
};

const askPort: Step<AddState> = async (input, state) => {
  state.port = await input.inputBox({
    title: state.title,
    step: 3,
    totalSteps: totalSteps(state),
    prompt: vscode.l10n.t({ message: 'Port', comment: ['The TCP port of the PostgreSQL server'] }),
    value: state.port,
    validate: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : vscode.l10n.t('A port is a number from 1 to 65535')),
  });
  return askDatabase;
};

const askDatabase: Step<AddState> = async (input, state) => {
  state.database = await input.inputBox({
    title: state.title,
    step: 4,
    totalSteps: totalSteps(state),
    prompt: vscode.l10n.t({ message: 'Database', comment: ['The database to connect to'] }),
    value: state.database,
    validate: (v) => (v.trim() === '' ? vscode.l10n.t('Enter a database name') : undefined),
  });
  return askUser;
};

const askUser: Step<AddState> = async (input, state) => {
  state.user = await input.inputBox({
    title: state.title,
    step: 5,
    totalSteps: totalSteps(state),
    prompt: vscode.l10n.t({ message: 'User', comment: ['The role to connect as'] }),
    value: state.user,
    validate: (v) => (v.trim() === '' ? vscode.l10n.t('Enter a user name') : undefined),
  });
  return askTls;
};

interface TlsItem extends vscode.QuickPickItem {
  mode: SslMode;
}

/** The label is the sslmode value itself, as libpq and the setting spell it. */
function tlsItems(): TlsItem[] {
  return [
    { mode: 'prefer', label: 'prefer', description: vscode.l10n.t("libpq's default"), detail: vscode.l10n.t('TLS when the server offers it, without verifying the server') },
    { mode: 'require', label: 'require', detail: vscode.l10n.t('TLS always; the server is verified against a CA file if you give one') },
    { mode: 'verify-full', label: 'verify-full', detail: vscode.l10n.t("TLS, with the server's certificate and host name verified (a CA file, or the system's CAs)") },
    { mode: 'disable', label: 'disable', detail: vscode.l10n.t('Never TLS (a server on this machine, or a trusted network)') },
  ];
}

const askTls: Step<AddState> = async (input, state) => {
  const items = tlsItems();
  const chosen = await input.pick({
    title: state.title,
    step: 6,
    totalSteps: totalSteps(state),
    placeholder: vscode.l10n.t('TLS (SSL): how the connection is protected'),
    items,
    active: items.find((i) => i.mode === state.ssl),
  });
  if (chosen.mode !== state.ssl) state.keepSsl = true;
  state.ssl = chosen.mode;
  return needsCaStep(state) ? askCaFile : askPassword;
};

const askCaFile: Step<AddState> = async (input, state) => {
  state.sslRootCert = await input.inputBox({
    title: state.title,
    step: 7,
    totalSteps: totalSteps(state),
    prompt:
      state.ssl === 'verify-full'
        ? vscode.l10n.t("CA file (sslRootCert) that signed the server's certificate. Leave empty to use the system's CAs.")
        : vscode.l10n.t('CA file (sslRootCert) to verify the server with. Leave empty to encrypt without verifying.'),
    placeholder: '/path/to/root.crt',
    value: state.sslRootCert,
    ignoreFocusOut: true,
    validate: (v) => (v.trim() === '' || fs.existsSync(v.trim()) ? undefined : vscode.l10n.t('{0} does not exist', v.trim())),
  });
  return askPassword;
};

const askPassword: Step<AddState> = async (input, state) => {
  state.password = await input.inputBox({
    title: state.title,
    step: totalSteps(state),
    totalSteps: totalSteps(state),
    prompt:
      state.stored !== undefined
        ? vscode.l10n.t("Password (kept in VS Code's secret storage). Leave empty to keep the stored one.")
        : vscode.l10n.t("Password (kept in VS Code's secret storage). Leave empty to use ~/.pgpass or PGPASSWORD."),
    value: state.password ?? '',
    password: true,
    ignoreFocusOut: true,
  });
  return undefined;
};
