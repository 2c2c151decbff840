// Prometheus's HTTP API (/api/v1/query_range and /api/v1/query) over Node's fetch, with a timeout
// on every request and every failure turned into a sentence a user can act on. No vscode: the
// dashboard, the tests and the benchmark use it alike. The bearer token is sent, never logged.
import * as l10n from '@vscode/l10n';

export type PrometheusErrorKind = 'badUrl' | 'unreachable' | 'timeout' | 'unauthorized' | 'notPrometheus' | 'badQuery' | 'http';

export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** One series of a range query: its labels and its points (epoch ms, value). */
export interface RangeSeries {
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

/** One series of an instant query. */
export interface InstantSample {
  labels: Record<string, string>;
  at: number;
  value: number;
}

export interface PrometheusClientOptions {
  /** The server's base URL (validated by parsePrometheusUrl). */
  url: URL;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** Validates `pgHealth.prometheus.url`: http or https, a host, no credentials in it. */
export function parsePrometheusUrl(text: string): URL | PrometheusError {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return new PrometheusError('badUrl', l10n.t('pgHealth.prometheus.url is not a URL: "{0}" (expected e.g. http://127.0.0.1:9090).', trimmed));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return new PrometheusError('badUrl', l10n.t('pgHealth.prometheus.url must start with http:// or https:// (got {0}).', url.protocol));
  }
  if (url.username || url.password) {
    return new PrometheusError('badUrl', l10n.t('pgHealth.prometheus.url must not hold a user or password: set a bearer token with "PostgreSQL Health: Set Prometheus Token…" instead.'));
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

interface ApiAnswer {
  status?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function labelsOf(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') labels[k] = v;
  return labels;
}

function pointOf(value: unknown): [number, number] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [t, v] = value as [unknown, unknown];
  if (typeof t !== 'number' || typeof v !== 'string') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? [Math.round(t * 1000), n] : undefined;
}

export class PrometheusClient {
  private readonly timeoutMs: number;
  /** Requests made (the benchmark's query plan). */
  requests = 0;

  constructor(private readonly options: PrometheusClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  get url(): URL {
    return this.options.url;
  }

  /** A range query: every series with its points from `start` to `end` (epoch ms) every `stepMs`. */
  async queryRange(query: string, start: number, end: number, stepMs: number): Promise<RangeSeries[]> {
    const result = await this.call('api/v1/query_range', {
      query,
      start: (start / 1000).toFixed(3),
      end: (end / 1000).toFixed(3),
      step: `${Math.max(1, Math.round(stepMs / 1000))}s`,
    }, 'matrix');
    return result.map((r) => {
      const entry = isRecord(r) ? r : {};
      const values = Array.isArray(entry['values']) ? entry['values'] : [];
      return { labels: labelsOf(entry['metric']), points: values.map(pointOf).filter((p): p is [number, number] => p !== undefined) };
    });
  }

  /** An instant query at `time` (epoch ms; now when omitted). */
  async query(query: string, time?: number): Promise<InstantSample[]> {
    const params: Record<string, string> = { query };
    if (time !== undefined) params['time'] = (time / 1000).toFixed(3);
    const result = await this.call('api/v1/query', params, 'vector');
    const samples: InstantSample[] = [];
    for (const r of result) {
      const entry = isRecord(r) ? r : {};
      const point = pointOf(entry['value']);
      if (point) samples.push({ labels: labelsOf(entry['metric']), at: point[0], value: point[1] });
    }
    return samples;
  }

  private async call(path: string, params: Record<string, string>, resultType: string): Promise<unknown[]> {
    const target = new URL(path, this.options.url);
    const where = this.options.url.origin;
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
    if (this.options.token) headers['Authorization'] = `Bearer ${this.options.token}`;
    this.requests++;
    let response: Response;
    let text: string;
    try {
      response = await fetch(target, { method: 'POST', headers, body: new URLSearchParams(params).toString(), signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
      text = await response.text();
    } catch (err) {
      const name = isRecord(err) ? err['name'] : undefined;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new PrometheusError('timeout', l10n.t('Prometheus at {0} did not answer within {1} s.', where, Math.round(this.timeoutMs / 1000)));
      }
      const cause = isRecord(err) && isRecord(err['cause']) && typeof err['cause']['code'] === 'string' ? err['cause']['code'] : err instanceof Error ? err.message : String(err);
      throw new PrometheusError('unreachable', l10n.t('Cannot reach Prometheus at {0} ({1}).', where, cause));
    }
    if (response.status === 401 || response.status === 403) {
      throw new PrometheusError(
        'unauthorized',
        this.options.token
          ? l10n.t('Prometheus at {0} refused the token (HTTP {1}): set another with "PostgreSQL Health: Set Prometheus Token…".', where, response.status)
          : l10n.t('Prometheus at {0} wants a token (HTTP {1}): set one with "PostgreSQL Health: Set Prometheus Token…".', where, response.status),
      );
    }
    let body: ApiAnswer | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      body = isRecord(parsed) ? (parsed as ApiAnswer) : undefined;
    } catch {
      body = undefined;
    }
    if (!body || (body.status !== 'success' && body.status !== 'error')) {
      throw new PrometheusError('notPrometheus', l10n.t('{0} answered HTTP {1}, but not as the Prometheus API does: is pgHealth.prometheus.url the Prometheus server (e.g. http://host:9090)?', target.origin + target.pathname, response.status));
    }
    if (body.status === 'error') {
      const error = typeof body.error === 'string' ? body.error : '';
      if (response.status === 400 || response.status === 422) throw new PrometheusError('badQuery', l10n.t('Prometheus rejected the query: {0}', error));
      if (response.status === 503 && /timeout|timed out/i.test(error)) throw new PrometheusError('timeout', l10n.t('Prometheus at {0} gave up on the query: {1}', where, error));
      throw new PrometheusError('http', l10n.t('Prometheus at {0} answered HTTP {1}: {2}', where, response.status, error));
    }
    if (body.data?.resultType !== resultType || !Array.isArray(body.data.result)) {
      throw new PrometheusError('notPrometheus', l10n.t('{0} answered, but not as the Prometheus API does: is pgHealth.prometheus.url the Prometheus server (e.g. http://host:9090)?', target.origin + target.pathname));
    }
    return body.data.result as unknown[];
  }
}
