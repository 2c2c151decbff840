// When do the daily peaks reach capacity? Usage has a daily rhythm (busy mornings, quiet nights),
// so a line through every sample mostly measures the time of day. Instead: the peak of each of the
// last days, a least-squares line through those peaks, and an interval from the line's own
// uncertainty. Shown only when the peaks support it: enough days, growth, and a slope clearly
// larger than its noise.
import * as l10n from '@vscode/l10n';
import type { LongForecastView } from './protocol';

export interface UsagePoint {
  at: number;
  used: number;
  capacity: number;
}

const DAY_MS = 24 * 3_600_000;
/** Days looked back. */
export const LONG_FORECAST_DAYS = 7;
/** Daily peaks needed for a line with an interval. */
export const MIN_DAYS = 3;
/** A day counts when its samples cover at least this many distinct hours. */
const MIN_HOURS_PER_DAY = 4;
/** Growth below this many connections a week is no growth. */
const MIN_GROWTH_PER_WEEK = 1;
/** Forecasts beyond this many days say "not within a year"… */
const HORIZON_DAYS = 365;

/** Student's t, two-sided 80 %, by degrees of freedom (1…): the interval is a plausible range, not a promise. */
const T80 = [3.078, 1.886, 1.638, 1.533, 1.476, 1.44, 1.415, 1.397, 1.383, 1.372];

export interface DailyPeak {
  /** Days before the newest sample the day ends (0 = the last 24 h). */
  daysAgo: number;
  peak: number;
  hours: number;
}

/** The peak of each 24-hour stretch ending at the newest sample, oldest first, with the hours it covers. */
export function dailyPeaks(samples: readonly UsagePoint[], days = LONG_FORECAST_DAYS): DailyPeak[] {
  const last = samples[samples.length - 1];
  if (!last) return [];
  const byDay = new Map<number, { peak: number; hours: Set<number> }>();
  for (const s of samples) {
    const age = last.at - s.at;
    if (age < 0) continue;
    const day = Math.floor(age / DAY_MS);
    if (day >= days) continue;
    let d = byDay.get(day);
    if (!d) byDay.set(day, (d = { peak: -Infinity, hours: new Set() }));
    d.peak = Math.max(d.peak, s.used);
    d.hours.add(Math.floor(age / 3_600_000));
  }
  return [...byDay.entries()].sort((a, b) => b[0] - a[0]).map(([daysAgo, d]) => ({ daysAgo, peak: d.peak, hours: d.hours.size }));
}

function round(n: number): number {
  return Math.max(1, Math.round(n));
}

function formatPerDay(perDay: number): string {
  return perDay >= 10 ? String(Math.round(perDay)) : perDay.toFixed(1);
}

/** Time to exhaustion of the daily peaks over the last week, or why there is none. */
export function forecastDailyPeaks(samples: readonly UsagePoint[]): LongForecastView {
  const last = samples[samples.length - 1];
  const peaks = dailyPeaks(samples).filter((d) => d.hours >= MIN_HOURS_PER_DAY);
  const base = { days: null, low: null, high: null, perDay: null, dailyPeaks: peaks.length };
  if (!last || peaks.length < MIN_DAYS) {
    return { ...base, kind: 'insufficient', text: l10n.t('A trend over days needs the daily peaks of at least {0} days, each with {1} hours of samples; the history has {2} such days.', MIN_DAYS, MIN_HOURS_PER_DAY, peaks.length) };
  }
  const capacity = last.capacity;
  const newest = peaks[peaks.length - 1] as DailyPeak;
  if (newest.daysAgo === 0 && newest.peak >= capacity) {
    return { ...base, kind: 'full', days: 0, text: l10n.t("Today's peak already reached capacity ({0} of {1}).", newest.peak, capacity) };
  }
  // x: days relative to the newest sample (negative: in the past); each peak sits mid-day.
  const xs = peaks.map((d) => -(d.daysAgo + 0.5));
  const ys = peaks.map((d) => d.peak);
  const n = peaks.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - meanX) ** 2;
    sxy += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - (intercept + slope * (xs[i] as number))) ** 2;
  const sigma = Math.sqrt(sse / Math.max(1, n - 2));
  const slopeError = sigma / Math.sqrt(sxx);
  const t = T80[Math.min(T80.length, Math.max(1, n - 2)) - 1] as number;
  const perDay = slope;
  if (slope * 7 < MIN_GROWTH_PER_WEEK) {
    return { ...base, perDay, kind: 'flat', text: l10n.t('Daily peaks are not growing over the last {0} days (highest {1} of {2}): no time to exhaustion to forecast.', n, Math.max(...ys), capacity) };
  }
  if (slope - t * slopeError <= 0) {
    return {
      ...base,
      perDay,
      kind: 'noisy',
      text: l10n.t('Daily peaks vary too much (±{0} around their trend over {1} days) to tell growth from chance: no time to exhaustion to forecast.', formatPerDay(sigma), n),
    };
  }
  const room = capacity - intercept; // the fitted peak now is `intercept` (x = 0)
  if (room <= 0) {
    return { ...base, perDay, days: 0, kind: 'rising', text: l10n.t('At the current growth (+{0} connections a day), daily peaks are at capacity now.', formatPerDay(perDay)) };
  }
  const days = room / slope;
  const low = room / (slope + t * slopeError);
  const high = room / (slope - t * slopeError);
  if (low > HORIZON_DAYS) {
    return { ...base, perDay, kind: 'flat', text: l10n.t('Daily peaks grow by {0} connections a day: capacity is not reached within a year.', formatPerDay(perDay)) };
  }
  return {
    kind: 'rising',
    days,
    low,
    high,
    perDay,
    dailyPeaks: n,
    text:
      high > HORIZON_DAYS
        ? l10n.t('At the current growth (+{0} connections a day), daily peaks reach capacity in ~{1} days (likely not before {2} days; from {3} daily peaks).', formatPerDay(perDay), round(days), round(low), n)
        : l10n.t('At the current growth (+{0} connections a day), daily peaks reach capacity in ~{1} days (likely {2}–{3} days; from {4} daily peaks).', formatPerDay(perDay), round(days), round(low), round(high), n),
  };
}
