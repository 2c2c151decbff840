// What the dashboard needs from the rest of the extension. extension.ts provides it; the dashboard
// reads the store and asks for actions through these callbacks, and never reaches PostgreSQL itself.
import * as vscode from 'vscode';
import { SnapshotStore } from '../postgres/store';
import { PoolerView } from './poolerView';

export interface DashboardHost {
  /** Read-only use: the dashboard renders from the store and never writes to it. */
  store: Pick<SnapshotStore, 'get' | 'onDidChange'>;
  extensionUri: vscode.Uri;
  /** Keeps the monitor of `name` polling until the returned disposable is disposed. */
  lease(name: string): { dispose(): void };
  /** Terminates one backend after the host's modal confirmation and permission checks. */
  terminate(name: string, pid: number, backendStart: string | null): Promise<void>;
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
}
