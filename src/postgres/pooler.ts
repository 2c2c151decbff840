// Is a connection pooler (PgBouncer, pgcat, Odyssey, …) between the monitor and PostgreSQL?
// Through a pooler the server connection that runs a transaction is chosen per transaction (or per
// statement), so the monitor cannot hold a slot of its own and its "own backend" is whatever server
// connection serves the current transaction. Three facts tell it apart from a direct connection:
// - the process id a direct server announces at startup (BackendKeyData) is the backend's own
//   pg_backend_pid(); a pooler answers the startup itself and makes one up;
// - over TCP the server sees the monitor's own socket port (inet_client_port()); through a pooler it
//   sees the pooler's;
// - consecutive transactions run on different backends.
import * as l10n from '@vscode/l10n';

/** What the client knows about its end of the connection. */
export interface LinkFacts {
  /** The process id from BackendKeyData (pg.Client#processID). */
  announcedPid: number | null;
  /** The local port of the client's socket; null over a Unix socket. */
  localPort: number | null;
  /** The port the client connected to (the pooler's, through one); null over a Unix socket. */
  remotePort: number | null;
}

/** What the server reports about the transaction's backend. */
export interface ServerFacts {
  pid: number;
  /** inet_client_port(): null over a Unix socket. */
  clientPort: number | null;
  /** inet_server_addr() / inet_server_port(): where PostgreSQL itself listens. */
  serverAddress: string | null;
  serverPort: number | null;
}

export interface PoolerInfo {
  /** Why the monitor believes a pooler is in between (shown in the tooltip). */
  evidence: string;
  /** Where PostgreSQL itself listens, as it reports it: the address to monitor directly. */
  serverAddress: string | null;
  serverPort: number | null;
  /** The port the monitor connects to (the pooler's). */
  viaPort: number | null;
}

/** Where the connection goes and where the server listens: a PoolerInfo without the evidence. */
export type Endpoints = Omit<PoolerInfo, 'evidence'>;

/** A pooler, judged from the first transaction on a new connection; undefined for a direct one. */
export function detectPooler(link: LinkFacts, server: ServerFacts): PoolerInfo | undefined {
  const where: Endpoints = { serverAddress: server.serverAddress, serverPort: server.serverPort, viaPort: link.remotePort };
  if (link.announcedPid !== null && link.announcedPid !== server.pid) {
    return { evidence: l10n.t('the connection announced process {0}, but the server runs it as backend {1}', link.announcedPid, server.pid), ...where };
  }
  if (link.localPort !== null && server.clientPort !== null && link.localPort !== server.clientPort) {
    return { evidence: l10n.t('the server sees the monitor coming from port {0}, but its socket is on port {1}', server.clientPort, link.localPort), ...where };
  }
  return undefined;
}

/** A pooler, judged from a later transaction running on another backend than the first one. */
export function poolerFromBackendChange(firstPid: number, pid: number, endpoints: Endpoints): PoolerInfo | undefined {
  if (firstPid === pid) return undefined;
  return { evidence: l10n.t('consecutive transactions ran on different backends ({0}, then {1})', firstPid, pid), ...endpoints };
}

/** What a pooler in front means for the user, and the exact setting to change. */
export function poolerAdvice(info: PoolerInfo, connectionName: string): string[] {
  const lines = [
    l10n.t({ message: 'Connected through a connection pooler ({0}).', args: [info.evidence], comment: ['{0} says how the pooler was recognised'] }),
    l10n.t("The counts are the server's, so they include every pooler's server connections; the monitor's own session is whichever server connection serves its current transaction."),
    l10n.t('Through a pooler the monitor cannot keep a slot of its own: when the server is full it cannot see it.'),
  ];
  if (info.serverPort !== null && info.serverPort !== info.viaPort) {
    // The settings to write, as JSON: not words.
    const setting = `${info.serverAddress ? `"host": "${info.serverAddress}", ` : ''}"port": ${info.serverPort}`;
    lines.push(
      l10n.t({
        message: 'Monitor PostgreSQL directly instead: in pgHealth.connections, give "{0}" {1} (where the server itself listens).',
        args: [connectionName, setting],
        comment: ['{1} is the JSON to add to the entry: "host": "10.0.0.5", "port": 5432'],
      }),
    );
  } else {
    lines.push(l10n.t("Monitor PostgreSQL directly instead: point \"{0}\" in pgHealth.connections at the server's own host and port rather than the pooler's.", connectionName));
  }
  return lines;
}
