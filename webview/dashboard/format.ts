// How durations and times read in the dashboard.

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  // Rounded first, so 119.6 s reads "2 min", not "1 min 60 s".
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  // A zero remainder reads as noise ("10 min 0 s"): leave it out.
  const rest = (value: number, unit: string): string => (value === 0 ? '' : ` ${value} ${unit}`);
  if (minutes < 60) return `${minutes} min${rest(whole % 60, 's')}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${rest(minutes % 60, 'min')}`;
  return `${Math.floor(hours / 24)} d${rest(hours % 24, 'h')}`;
}

/** How long ago a point of the x axis is: "−30 s", "−1 min", "−1 h 30 min". */
export function agoLabel(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds === 0) return 'now';
  if (seconds < 60) return `−${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `−${minutes} min`;
  return minutes % 60 === 0 ? `−${minutes / 60} h` : `−${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
