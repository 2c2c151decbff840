// `pg-health`: the analyser and the monitor from the command line.
process.stderr.write('pg-health: not built yet\n');
process.exitCode = 2;
