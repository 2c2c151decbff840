import * as vscode from 'vscode';
import { ConnectionConfig } from '../postgres/connectionConfig';

export const CONNECTIONS_SETTING = 'pgHealth.connections';

export interface ConfiguredConnections {
  connections: ConnectionConfig[];
  /** Entries that could not be used, with the reason (shown once in the log and on the tree). */
  problems: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the raw setting value: bad entries are reported, never thrown. */
export function parseConnections(raw: unknown): ConfiguredConnections {
  const problems: string[] = [];
  const connections: ConnectionConfig[] = [];
  if (raw === undefined || raw === null) return { connections, problems };
  if (!Array.isArray(raw)) return { connections, problems: [vscode.l10n.t('{0} must be an array of connections', CONNECTIONS_SETTING)] };
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    const at = `${CONNECTIONS_SETTING}[${index}]`;
    if (!isRecord(entry)) return problems.push(vscode.l10n.t('{0} is not an object', at));
    const name = entry['name'];
    if (typeof name !== 'string' || name.trim() === '') return problems.push(vscode.l10n.t('{0} has no name', at));
    if (seen.has(name)) return problems.push(vscode.l10n.t('{0}: the name "{1}" is used twice', at, name));
    seen.add(name);
    const config: ConnectionConfig = { name };
    const str = (key: 'connectionString' | 'host' | 'database' | 'user' | 'sslRootCert' | 'prometheusSelector'): void => {
      const v = entry[key];
      if (typeof v === 'string' && v !== '') config[key] = v;
    };
    str('connectionString');
    str('host');
    str('database');
    str('user');
    str('sslRootCert');
    str('prometheusSelector');
    const port = entry['port'];
    if (typeof port === 'number') config.port = port;
    else if (typeof port === 'string' && /^\d+$/.test(port)) config.port = Number(port);
    const kind = entry['kind'];
    if (kind === 'pgbouncer') config.kind = 'pgbouncer';
    else if (kind !== undefined && kind !== 'postgres') problems.push(`${CONNECTIONS_SETTING}[${index}] ("${name}"): unknown kind ${JSON.stringify(kind)}; use "postgres" or "pgbouncer"`);
    const ssl = entry['ssl'];
    if (ssl === 'disable' || ssl === 'prefer' || ssl === 'require' || ssl === 'verify-full') config.ssl = ssl;
    connections.push(config);
    return undefined;
  });
  return { connections, problems };
}

/**
 * The configured connections: the user's own (global) ones and the workspace's together — an array
 * setting in the workspace would otherwise hide every user-level connection, including the ones Add
 * Connection just saved there. A workspace entry replaces a user entry of the same name. In an
 * untrusted workspace only the user's own setting counts, so a cloned repository cannot point a
 * stored password at a host of its choosing.
 */
/**
 * Whether the workspace's own settings name pgHealth.connections while they are ignored (Restricted
 * Mode). VS Code does not hand restricted settings of an untrusted workspace to extensions, not even
 * through inspect(), so the settings files are read as text: only to say that they are ignored.
 */
export async function workspaceConnectionsIgnored(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return false;
  const files = (vscode.workspace.workspaceFolders ?? []).map((f) => vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'));
  if (vscode.workspace.workspaceFile?.scheme === 'file') files.push(vscode.workspace.workspaceFile);
  for (const file of files) {
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      if (text.includes(`"${CONNECTIONS_SETTING}"`)) return true;
    } catch {
      // No such file (or unreadable): nothing of the workspace's to ignore there.
    }
  }
  return false;
}

/** What a command that needs a database says when none is configured. */
export function noConnectionsMessage(): string {
  return vscode.l10n.t({
    message: 'No PostgreSQL connections are configured. Use "PostgreSQL Health: Add Connection" first.',
    comment: ['"PostgreSQL Health: Add Connection" is the command as the Command Palette shows it (package.nls.json: category, command.addConnection.title)'],
  });
}

export function readConnections(): ConfiguredConnections {
  const inspected = vscode.workspace.getConfiguration().inspect<unknown>(CONNECTIONS_SETTING);
  const user = parseConnections(inspected?.globalValue);
  if (!vscode.workspace.isTrusted) return user;
  const workspace = parseConnections(inspected?.workspaceValue);
  const names = new Set(workspace.connections.map((c) => c.name));
  return {
    connections: [...workspace.connections, ...user.connections.filter((c) => !names.has(c.name))],
    problems: [...user.problems.map((p) => vscode.l10n.t('user settings: {0}', p)), ...workspace.problems.map((p) => vscode.l10n.t('workspace settings: {0}', p))],
  };
}
