// The log the extension gives MonitorManager (see src/extension.ts): the real src/log.ts Logger over
// a recording output channel. Each line is captured twice — as src/postgres wrote it and as the
// channel received it after redact() — and both must be free of secrets.
import { outputChannelLines } from './vscodeOutputChannel';
import { Logger as OutputChannelLogger } from '../../../src/log';
import { Logger } from '../../../src/postgres/logger';
import { CapturingLogger } from './evidence';

let channel: OutputChannelLogger | undefined;

export interface ExtensionLog extends Logger {
  /** Lines as src/postgres wrote them (before redaction). */
  readonly raw: string[];
}

export function extensionLog(source: string): ExtensionLog {
  channel ??= new OutputChannelLogger();
  const out = channel;
  const raw = new CapturingLogger(source);
  return {
    raw: raw.lines,
    info: (m) => {
      raw.info(m);
      out.info(m);
    },
    warn: (m) => {
      raw.warn(m);
      out.warn(m);
    },
    error: (m) => {
      raw.error(m);
      out.error(m);
    },
  };
}

export { outputChannelLines };
