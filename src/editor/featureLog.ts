/** The slice of the extension's logger the analysis feature writes to (src/log.ts provides it). */
export interface FeatureLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}
