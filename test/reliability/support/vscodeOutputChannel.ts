// Loads src/log.ts (the extension's "PostgreSQL Health" output channel, which redacts every line) on
// Node: a minimal 'vscode' module whose createOutputChannel records the lines, exactly as they would
// reach the channel. Only the API log.ts uses is provided.
import Module from 'node:module';
import { capture } from './evidence';

interface ModuleInternals {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

const channelLines: string[] = [];

const fakeVscode = {
  window: {
    createOutputChannel: (_name: string, _options?: unknown) => {
      const record = (level: string) => (message: string) => {
        const line = `[${level}] ${message}`;
        channelLines.push(line);
        capture('outputChannel', line);
      };
      return { info: record('info'), warn: record('warn'), error: record('error'), show: () => undefined, dispose: () => undefined };
    },
  },
};

const internals = Module as unknown as ModuleInternals;
const originalLoad = internals._load.bind(Module);
internals._load = (request, parent, isMain) => (request === 'vscode' ? fakeVscode : originalLoad(request, parent, isMain));

/** Every line written to the output channel so far. */
export function outputChannelLines(): readonly string[] {
  return channelLines;
}
