// One entry of the `pgHealth.connections` setting. Never holds a password: passwords come from
// SecretStorage, ~/.pgpass or PGPASSWORD and reach `pg` through a password function.
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-full';

/** What the entry connects to: PostgreSQL itself (the default) or PgBouncer's admin console. */
export type ConnectionKind = 'postgres' | 'pgbouncer';

export interface ConnectionConfig {
  name: string;
  /** "pgbouncer": the admin console of a PgBouncer (database `pgbouncer`), watched with SHOW commands only. */
  kind?: ConnectionKind;
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  ssl?: SslMode;
  sslRootCert?: string;
  /** Which Prometheus series are this server's, e.g. `{instance="127.0.0.1:9187"}`; default: postgres_exporter's `server` label = host:port. */
  prometheusSelector?: string;
}
