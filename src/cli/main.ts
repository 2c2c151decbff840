// `pg-health`: the analyser and the monitor from the command line.
import { isMainThread } from 'node:worker_threads';
import { runCheck } from './check';
import { runFix } from './fix';
import { runStatus } from './status';

const USAGE = `usage: pg-health <command> [options]

commands:
  check [PATH...] [--format text|json|sarif] [--output FILE]
                  find pool clients that are not released on every path (exit 1 when there are findings)
  fix [PATH...]   apply the available fixes in place
  status CONNECTION_STRING [--json]
                  one snapshot of a database's connection usage

Run \`pg-health <command> --help\` for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return runCheck(rest);
    case 'fix':
      return runFix(rest);
    case 'status':
      return runStatus(rest);
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(command ? `pg-health: unknown command '${command}'\n\n${USAGE}` : USAGE);
      return 2;
  }
}

// The bundle is also the model workers' script (modelWorkers.ts): only the main thread runs a command.
if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pg-health: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
