// One entry of the `pgHealth.connections` setting. Never holds a password: passwords come from
// SecretStorage, ~/.pgpass or PGPASSWORD and reach `pg` through a password function.
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-full';

export interface ConnectionConfig {
  name: string;
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  ssl?: SslMode;
  sslRootCert?: string;
}
