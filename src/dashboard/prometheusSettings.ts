// pgHealth.prometheus.url and its bearer token (SecretStorage only), turned into one client that the
// dashboards share; rebuilt when either changes. The token never reaches settings, logs or a webview.
import * as vscode from 'vscode';
import { ConnectionConfig } from '../postgres/connectionConfig';
import { connectionTarget } from '../postgres/connectionOptions';
import { parsePrometheusUrl, PrometheusClient, PrometheusError } from '../prometheus/prometheusClient';
import { defaultSelector, parseSelector, Selector } from '../prometheus/selector';

const TOKEN_KEY = 'pgHealth.prometheus.token';

export class PrometheusSettings implements vscode.Disposable {
  private client: PrometheusClient | PrometheusError | undefined;
  private token: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the URL, the timeout or the token changed. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pgHealth.prometheus')) this.rebuild();
      }),
      secrets.onDidChange((e) => {
        if (e.key === TOKEN_KEY) void this.loadToken();
      }),
    );
    this.rebuild();
    void this.loadToken();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** The configured server (or why its URL is unusable); undefined when none is configured. */
  current(): PrometheusClient | PrometheusError | undefined {
    return this.client;
  }

  async setToken(): Promise<void> {
    const token = await vscode.window.showInputBox({
      title: vscode.l10n.t('Prometheus Bearer Token'),
      prompt: vscode.l10n.t('Sent as "Authorization: Bearer …" to pgHealth.prometheus.url; kept in VS Code\'s Secret Storage.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (/\s/.test(v.trim()) || v.trim() === '' ? vscode.l10n.t('A token is one word without spaces.') : undefined),
    });
    if (token === undefined) return;
    await this.secrets.store(TOKEN_KEY, token.trim());
    await this.loadToken();
    vscode.window.setStatusBarMessage(vscode.l10n.t('Prometheus token saved in Secret Storage'), 3000);
  }

  async clearToken(): Promise<void> {
    await this.secrets.delete(TOKEN_KEY);
    await this.loadToken();
    vscode.window.setStatusBarMessage(vscode.l10n.t('Prometheus token removed'), 3000);
  }

  private async loadToken(): Promise<void> {
    const token = await this.secrets.get(TOKEN_KEY);
    if (token === this.token) return;
    this.token = token;
    this.rebuild();
  }

  private rebuild(): void {
    const config = vscode.workspace.getConfiguration('pgHealth.prometheus');
    const text = config.get<string>('url', '').trim();
    if (text === '') {
      this.client = undefined;
    } else {
      const url = parsePrometheusUrl(text);
      this.client =
        url instanceof PrometheusError
          ? url
          : new PrometheusClient({ url, timeoutMs: Math.max(1, config.get<number>('timeoutSeconds', 10)) * 1000, ...(this.token ? { token: this.token } : {}) });
    }
    this.changed.fire();
  }
}

/** A connection's selector: its prometheusSelector, or postgres_exporter's server label for its host:port. */
export function connectionSelector(config: ConnectionConfig): Selector | string {
  if (config.prometheusSelector) return parseSelector(config.prometheusSelector);
  const target = connectionTarget(config);
  return defaultSelector(target.host, target.port);
}
