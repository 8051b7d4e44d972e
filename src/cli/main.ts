// The CLI entry: parses argv with commander, runs one command, renders
// errors once, and returns the exit code. Only bin/skiff.js touches the
// process.
import { Command, CommanderError } from 'commander';
import { SkiffError, UserError } from '../errors.js';
import { createConsoleLogger, type LogLevel } from '../log.js';
import { resolvePaths } from '../paths.js';
import type { CliContext, CliIo } from './context.js';
import { interruptExitCode, isBrokenPipe, outputFailure } from './interrupt.js';
import { renderError } from './render-error.js';
import { registerCommands } from './commands/index.js';
import { checkExtraArguments } from './extra-arguments.js';

export const VERSION = '0.1.0';

interface GlobalFlags {
  level: LogLevel;
  json: boolean;
  debug: boolean;
}

/** Global flags are read before commander so the logger exists early. */
function scanGlobalFlags(argv: string[]): GlobalFlags {
  let level: LogLevel = 'info';
  let json = false;
  let debug = false;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '-v' || arg === '--verbose') level = 'debug';
    else if (arg === '-q' || arg === '--quiet') level = 'warn';
    else if (arg === '--json') json = true;
    else if (arg === '--debug') {
      debug = true;
      level = 'debug';
    }
  }
  return { level, json, debug };
}

const GENERIC_USAGE_HINT = 'see skiff --help, or skiff <command> --help';

/** A commander usage error (unknown command or flag) as a UserError. */
function usageError(err: CommanderError, argv: string[]): UserError {
  if (err.code === 'commander.help') {
    // A command group without its subcommand: commander showed the help.
    const words = argv.filter((a) => !a.startsWith('-'));
    const group = ['skiff', ...words].join(' ');
    return new UserError('USAGE', `${group}: which command?`, {
      hint: `see ${group} --help`,
    });
  }
  const message = err.message.replace(/^error: /, '');
  // `-a -v`: commander takes "-v" for a flag, not for -a's value.
  const long = /^option '.*?(--[\w-]+) <[^>]*>' argument missing/.exec(message);
  const hint = long
    ? `give it a value; one that starts with "-" is written ${long[1]}=-v`
    : GENERIC_USAGE_HINT;
  return new UserError('USAGE', message, { hint });
}

/**
 * Stdout failed (a full disk): the command was stopped and cleaned up;
 * say why on stderr, which may still work, and exit 1.
 */
function failedOutput(ctx: CliContext): number | undefined {
  const failed = outputFailure(ctx.io.signal);
  if (!failed) return undefined;
  renderError(failed.describe(), { ...ctx, json: false });
  return 1;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const flags = scanGlobalFlags(argv);
  const logger = createConsoleLogger({
    stdout: io.stdout,
    stderr: io.stderr,
    level: flags.level,
    json: flags.json,
  });
  const ctx: CliContext = {
    io,
    logger,
    paths: resolvePaths(io.env, undefined, io.cwd),
    json: flags.json,
    debug: flags.debug,
  };

  const program = new Command('skiff')
    .description('Run one application as a Nanos unikernel')
    .version(VERSION)
    .option('-v, --verbose', 'show debug output')
    .option('-q, --quiet', 'show only warnings and errors')
    .option('--json', 'print results as one JSON document on stdout')
    .option('--debug', 'show stack traces on errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  registerCommands(program, ctx);
  checkExtraArguments(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that finished while nobody read its output exits as a
    // SIGPIPE'd tool does, unless it has a code of its own (run's app).
    if (isBrokenPipe(io.signal)) return ctx.exitCode ?? 141;
    return failedOutput(ctx) ?? ctx.exitCode ?? 0;
  } catch (err) {
    const failed = failedOutput(ctx);
    if (failed !== undefined) return failed;
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors are already printed, and
      // with --json they are one JSON error on stdout too.
      if (err.exitCode === 0) return 0;
      const usage = usageError(err, argv);
      if (ctx.json) renderError(usage, ctx);
      // Commander printed the message; a hint of ours it does not know.
      else if (err.code === 'commander.optionMissingArgument') {
        logger.error(`hint: ${usage.hint}`);
      }
      return 2;
    }
    // Nobody reads our output any more: no error to show, just the code.
    if (!isBrokenPipe(io.signal)) renderError(err, ctx);
    if (err instanceof UserError && err.code === 'USAGE') return 2;
    // A signal sets the exit code (Ctrl-C 130, SIGTERM 143, SIGHUP 129)
    // whatever error the interrupted step turned it into.
    const aborted =
      io.signal?.aborted === true ||
      (err instanceof SkiffError && err.code === 'ABORTED');
    return aborted ? interruptExitCode(io.signal) : 1;
  }
}
