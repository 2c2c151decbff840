// What the dashboard needs from the rest of the extension. extension.ts provides it; the dashboard
// reads the store and asks for actions through these callbacks, and never reaches PostgreSQL itself.
import * as vscode from 'vscode';
import { SnapshotStore } from '../postgres/store';
import type { Session } from '../postgres/snapshot';
import type { PoolBudgetView } from './protocol';
import { PoolerView } from './poolerView';
import type { PrometheusClient, PrometheusError } from '../prometheus/prometheusClient';
import type { Selector } from '../prometheus/selector';
import type { ConnectionConfig } from '../postgres/connectionConfig';

export interface DashboardHost {
  /** Read-only use: the dashboard renders from the store and never writes to it. */
  store: Pick<SnapshotStore, 'get' | 'onDidChange'>;
  extensionUri: vscode.Uri;
  /** Keeps the monitor of `name` polling until the returned disposable is disposed. */
  lease(name: string): { dispose(): void };
  /** Terminates one backend after the host's modal confirmation and permission checks. */
  terminate(name: string, pid: number, backendStart: string | null): Promise<void>;
  /** Where a session's last query came from, when that function leaks clients. */
  leakOf?(session: Session): string | undefined;
  /** The workspace's pools against this database's capacity; undefined when none are known. */
  poolBudget?(name: string): PoolBudgetView | undefined;
  /** Opens the constructor of row `index` of poolBudget(name). */
  openPool?(name: string, index: number): Thenable<unknown>;
  /** Fires when the pools (or the SQL) the workspace has changed. */
  onDidChangeCode?: vscode.Event<unknown>;
  /** Go to Code for a session of this database's latest snapshot. */
  goToCode(name: string, pid: number, backendStart: string | null): Thenable<unknown>;
  /** Opens the preview of "Terminate Idle Sessions…" for this database. */
  openTerminateIdlePreview(name: string): Thenable<unknown>;
  /** Analyser findings in the workspace by rule id; undefined before any analysis ran. */
  findingsSummary(): Record<string, number> | undefined;
  /** Fires when findingsSummary() changes, so open dashboards update. */
  onDidChangeFindings?: vscode.Event<unknown>;
  /** The PgBouncers in front of `name`'s server, as the dashboard draws them. */
  poolerViews?(name: string): PoolerView[];
  /** Fires when a pooler has a new snapshot. */
  onDidChangePoolers?: (listener: () => void) => { dispose(): void };
  /** With pgHealth.prometheus.url: the shared client, or why the URL is unusable; undefined without one. */
  prometheus?(): PrometheusClient | PrometheusError | undefined;
  /** Fires when the Prometheus URL, timeout or token changed. */
  onDidChangePrometheus?: vscode.Event<unknown>;
  /** The configured PostgreSQL connections with their Prometheus selectors (or what is wrong with one). */
  prometheusConnections?(): Array<{ name: string; selector: Selector | string }>;
  /** Opens the dashboard of another connection (a Fleet row). */
  openDashboard?(name: string): void;
  /** Add Connection, prefilled from a Fleet row. */
  addConnection?(prefill: Pick<ConnectionConfig, 'name' | 'host' | 'port'>): Thenable<unknown>;
}
