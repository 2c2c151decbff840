// Add Connection (step by step, or from a connection string), Edit and Remove. The connection is
// tested before it is saved; the password goes to SecretStorage, never into settings.
import * as vscode from 'vscode';
import { ConnectionConfig } from '../postgres/connectionConfig';
import { resolveConnection } from '../postgres/connectionOptions';
import { connectionStringHasPassword, parseConnectionString, removePasswordFromConnectionString } from '../postgres/connectionString';
import { describeError } from '../postgres/errors';
import { openClient } from '../postgres/openClient';
import { Logger } from '../log';
import { CONNECTIONS_SETTING, readConnections } from './connectionSettings';
import { PasswordStore } from './passwordStore';

const ADD_TITLE = 'PostgreSQL Health: Add Connection';
const EDIT_TITLE = 'PostgreSQL Health: Edit Connection';

export class ConnectionCommands {
  constructor(
    private readonly passwords: PasswordStore,
    private readonly log: Logger,
  ) {}

  async add(existing?: ConnectionConfig): Promise<ConnectionConfig | undefined> {
    const title = existing ? EDIT_TITLE : ADD_TITLE;
    const taken = new Set(readConnections().connections.map((c) => c.name));
    if (existing) taken.delete(existing.name);
    const name = await vscode.window.showInputBox({
      title: `${title} (1/3)`,
      prompt: 'A name for this database, shown in the Databases view',
      value: existing?.name ?? '',
      validateInput: (v) => (v.trim() === '' ? 'Enter a name' : taken.has(v.trim()) ? `"${v.trim()}" is already configured` : undefined),
    });
    if (name === undefined) return undefined;
    const target = await vscode.window.showInputBox({
      title: `${title} (2/3)`,
      prompt: 'A connection string (postgresql://user@host:5432/database) or just the host name',
      value: existing ? (existing.connectionString ?? existing.host ?? '127.0.0.1') : '127.0.0.1',
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (v.trim() === '') return 'Enter a host or a connection string';
        if (/:\/\/|=/.test(v)) {
          try {
            parseConnectionString(v);
          } catch (err) {
            return err instanceof Error ? err.message : String(err);
          }
        }
        return undefined;
      },
    });
    if (target === undefined) return undefined;
    // Editing keeps what these steps do not ask about (the TLS settings).
    let config: ConnectionConfig = { name: name.trim(), ...(existing?.ssl ? { ssl: existing.ssl } : {}), ...(existing?.sslRootCert ? { sslRootCert: existing.sslRootCert } : {}) };
    let password: string | undefined;
    if (/:\/\/|=/.test(target)) {
      if (connectionStringHasPassword(target)) password = parseConnectionString(target).password;
      config.connectionString = removePasswordFromConnectionString(target);
    } else {
      const fields = await this.askFields(title, target.trim(), existing);
      if (!fields) return undefined;
      config = { ...config, ...fields };
    }
    const stored = existing ? await this.passwords.get(existing.name) : undefined;
    if (password === undefined) {
      password = await vscode.window.showInputBox({
        title: `${title} (3/3)`,
        prompt:
          stored !== undefined
            ? 'Password (kept in VS Code\'s secret storage). Leave empty to keep the stored one.'
            : 'Password (kept in VS Code\'s secret storage). Leave empty to use ~/.pgpass or PGPASSWORD.',
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) return undefined;
    }
    // An empty answer keeps the stored password: it is tested with the new settings and follows a rename.
    const secret = password === '' ? stored : password;
    const tested = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Connecting to ${config.name}…` },
      () => testConnection(config, secret),
    );
    if (tested !== undefined) {
      const save = 'Save Anyway';
      const choice = await vscode.window.showWarningMessage(`Could not connect to ${config.name}: ${tested}`, { modal: true }, save);
      if (choice !== save) return undefined;
    }
    if (secret !== undefined) await this.passwords.set(config.name, secret);
    await this.save(config, existing?.name);
    if (existing && existing.name !== config.name) await this.passwords.delete(existing.name);
    this.log.info(`saved connection ${config.name}`);
    return config;
  }

  async remove(name: string): Promise<void> {
    const confirm = 'Remove';
    const choice = await vscode.window.showWarningMessage(`Remove the connection "${name}" and its stored password?`, { modal: true }, confirm);
    if (choice !== confirm) return;
    await this.save(undefined, name);
    await this.passwords.delete(name);
    this.log.info(`removed connection ${name}`);
  }

  /** A password inside a connection string in settings works, but belongs in secret storage. */
  async offerToMovePassword(config: ConnectionConfig): Promise<void> {
    if (!config.connectionString || !connectionStringHasPassword(config.connectionString)) return;
    const move = 'Move to Secret Storage';
    const choice = await vscode.window.showWarningMessage(
      `The connection "${config.name}" has a password in its connection string in your settings. Settings files are plain text and often shared.`,
      move,
    );
    if (choice !== move) return;
    const password = parseConnectionString(config.connectionString).password;
    if (password !== undefined) await this.passwords.set(config.name, password);
    await this.save({ ...config, connectionString: removePasswordFromConnectionString(config.connectionString) }, config.name);
  }

  private async askFields(title: string, host: string, existing?: ConnectionConfig): Promise<Partial<ConnectionConfig> | undefined> {
    const port = await vscode.window.showInputBox({
      title,
      prompt: 'Port',
      value: String(existing?.port ?? 5432),
      validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'A port is a number from 1 to 65535'),
    });
    if (port === undefined) return undefined;
    const database = await vscode.window.showInputBox({ title, prompt: 'Database', value: existing?.database ?? 'postgres' });
    if (database === undefined) return undefined;
    const user = await vscode.window.showInputBox({ title, prompt: 'User', value: existing?.user ?? 'postgres' });
    if (user === undefined) return undefined;
    return { host, port: Number(port), database, user };
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
