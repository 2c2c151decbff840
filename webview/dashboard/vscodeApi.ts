// The webview's side of the VS Code API: typed messages out, and the saved state that lets the
// serializer bring the panel back after a reload (only the connection name).
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

export function savedConnection(): string | undefined {
  const state = api.getState();
  return isDashboardWebviewState(state) ? state.connection : undefined;
}

export function saveConnection(connection: string): void {
  const state: DashboardWebviewState = { connection };
  api.setState(state);
}
