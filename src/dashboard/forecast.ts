// When does usage reach capacity if it keeps moving as it did lately? A least-squares line over the
// recent samples: cheap, explainable in one sentence, and honest about being a straight line.
import * as l10n from '@vscode/l10n';
import { ForecastView } from './protocol';

export interface UsageSample {
  at: number;
  used: number;
  capacity: number;
}

export const FORECAST_WINDOW_MS = 10 * 60 * 1000;
/** Fewer samples or a shorter stretch than this says more about noise than about a trend. */
const MIN_SAMPLES = 3;
const MIN_SPAN_MS = 30 * 1000;
/** A fit that moves less than one connection over the window is flat. */
const STABLE_CHANGE_OVER_WINDOW = 1;

export interface LineFit {
  /** Connections per millisecond. */
  slope: number;
  /** Fitted `used` at time 0 of the shifted axis (the first sample). */
  intercept: number;
  origin: number;
}

/** Ordinary least squares of used over time; undefined when the times do not vary. */
export function fitLine(samples: readonly UsageSample[]): LineFit | undefined {
  const first = samples[0];
  if (!first) return undefined;
  // Shift time to the first sample: epoch milliseconds squared lose precision in doubles.
  const origin = first.at;
  let sumX = 0;
  let sumY = 0;
  for (const s of samples) {
    sumX += s.at - origin;
    sumY += s.used;
  }
  const n = samples.length;
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sxx = 0;
  let sxy = 0;
  for (const s of samples) {
    const dx = s.at - origin - meanX;
    sxx += dx * dx;
    sxy += dx * (s.used - meanY);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, origin };
}

export function formatMinutes(minutes: number): string {
  if (minutes < 1) return l10n.t('less than a minute');
  if (minutes < 90) return l10n.t('about {0} min', Math.round(minutes));
  const hours = minutes / 60;
  if (hours < 48) return l10n.t('about {0} h', Math.round(hours));
  return l10n.t('about {0} days', Math.round(hours / 24));
}

/** Forecast from the samples of the last `windowMs` before the newest one. */
export function forecastCapacity(
  history: readonly UsageSample[],
  windowMs: number = FORECAST_WINDOW_MS,
): ForecastView {
  const last = history[history.length - 1];
  if (!last) {
    return { kind: 'insufficient', slopePerMinute: null, minutesToCapacity: null, windowMinutes: 0, text: l10n.t('No samples yet.') };
  }
  const recent = history.filter((s) => s.at >= last.at - windowMs);
  const first = recent[0] ?? last;
  const spanMs = last.at - first.at;
  const windowMinutes = Math.max(1, Math.round(spanMs / 60_000));

  if (last.used >= last.capacity) {
    return {
      kind: 'full',
      slopePerMinute: null,
      minutesToCapacity: 0,
      windowMinutes,
      text: l10n.t('At capacity now: {0} of {1} slots are taken; new connections of ordinary users fail with "too many clients".', last.used, last.capacity),
    };
  }
  const fit = recent.length >= MIN_SAMPLES && spanMs >= MIN_SPAN_MS ? fitLine(recent) : undefined;
  if (!fit) {
    return {
      kind: 'insufficient',
      slopePerMinute: null,
      minutesToCapacity: null,
      windowMinutes,
      text: l10n.t('Collecting samples: a forecast needs at least 30 seconds of history.'),
    };
  }
  const slopePerMinute = fit.slope * 60_000;
  const change = slopePerMinute * (spanMs / 60_000);
  if (Math.abs(change) < STABLE_CHANGE_OVER_WINDOW) {
    const text = windowMinutes === 1 ? l10n.t("Stable at the last minute's rate.") : l10n.t("Stable at the last {0} minutes' rate.", windowMinutes);
    return { kind: 'stable', slopePerMinute, minutesToCapacity: null, windowMinutes, text };
  }
  if (slopePerMinute < 0) {
    return {
      kind: 'falling',
      slopePerMinute,
      minutesToCapacity: null,
      windowMinutes,
      text:
        windowMinutes === 1
          ? l10n.t('Falling: about {0} fewer connections per minute over the last minute.', formatRate(-slopePerMinute))
          : l10n.t('Falling: about {0} fewer connections per minute over the last {1} minutes.', formatRate(-slopePerMinute), windowMinutes),
    };
  }
  // Start from the fitted value rather than the last sample, so one spike does not decide the answer.
  const fittedNow = fit.intercept + fit.slope * (last.at - fit.origin);
  const minutesToCapacity = Math.max(0, (last.capacity - fittedNow) / slopePerMinute);
  return {
    kind: 'rising',
    slopePerMinute,
    minutesToCapacity,
    windowMinutes,
    text:
      windowMinutes === 1
        ? l10n.t("At the last minute's rate, capacity is reached in {0}.", formatMinutes(minutesToCapacity))
        : l10n.t("At the last {0} minutes' rate, capacity is reached in {1}.", windowMinutes, formatMinutes(minutesToCapacity)),
  };
}

function formatRate(perMinute: number): string {
  return perMinute >= 10 ? String(Math.round(perMinute)) : perMinute.toFixed(1);
}
