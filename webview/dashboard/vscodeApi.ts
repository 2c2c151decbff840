// The webview's side of the VS Code API: typed messages out, and the saved state that lets the
// serializer bring the panel back after a reload: the connection name, the chosen tab and the scroll position.
import { DashboardWebviewState, isDashboardWebviewState, WebviewToHost } from '../../src/dashboard/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called once per page.
const api = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

/** What the panel saved before it was hidden or reloaded. */
export function savedState(): DashboardWebviewState | undefined {
  const state = api.getState();
  return isDashboardWebviewState(state) ? state : undefined;
}

/** Merges into the saved state (the connection name, the tab, the scroll position). */
export function saveState(change: Partial<DashboardWebviewState>): void {
  const current = savedState();
  const next = { ...current, ...change } as DashboardWebviewState;
  if (typeof next.connection !== 'string') return;
  api.setState(next);
}

export function saveConnection(connection: string): void {
  saveState({ connection });
}
