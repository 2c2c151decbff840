// What src/postgres reports to; VS Code's LogOutputChannel fits it, the CLI passes stderr.
// Messages never contain passwords: they name targets as user@host:port/database.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
