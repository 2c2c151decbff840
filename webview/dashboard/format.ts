// How durations and times read in the dashboard.
import * as l10n from '@vscode/l10n';

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  // Rounded first, so 119.6 s reads "2 min", not "1 min 60 s".
  const whole = Math.round(seconds);
  if (whole < 60) return l10n.t('{0} s', whole);
  const minutes = Math.floor(whole / 60);
  // A zero remainder reads as noise ("10 min 0 s"): leave it out.
  if (minutes < 60) return whole % 60 === 0 ? l10n.t('{0} min', minutes) : l10n.t('{0} min {1} s', minutes, whole % 60);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? l10n.t('{0} h', hours) : l10n.t('{0} h {1} min', hours, minutes % 60);
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? l10n.t('{0} d', days) : l10n.t('{0} d {1} h', days, hours % 24);
}

/** How long a stretch of the x axis is: "30 s", "1 min", "1 h 30 min", "3 d 12 h". */
export function durationLabel(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return l10n.t('{0} s', seconds);
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return l10n.t('{0} min', minutes);
  if (minutes < 48 * 60) return minutes % 60 === 0 ? l10n.t('{0} h', minutes / 60) : l10n.t('{0} h {1} min', Math.floor(minutes / 60), minutes % 60);
  // Days: the 7-day chart's axis reads "−3 d 12 h", not "−84 h".
  const hours = Math.round(minutes / 60);
  return hours % 24 === 0 ? l10n.t('{0} d', hours / 24) : l10n.t('{0} d {1} h', Math.floor(hours / 24), hours % 24);
}

/** How long ago a point of the x axis is: "now", "−30 s", "−1 min", "−1 h 30 min". */
export function agoLabel(ms: number): string {
  if (Math.round(ms / 1000) === 0) return l10n.t({ message: 'now', comment: ['The right end of the time axis'] });
  return l10n.t({ message: '−{0}', args: [durationLabel(ms)], comment: ['A point of the time axis, that long ago: "−30 min"'] });
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}
