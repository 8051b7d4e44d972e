// Positional arguments a command does not take are a usage error that
// names them; where the command builds an image, the hint shows how to
// pass them to the program (-a), as `skiff run ./app extra` usually means.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { shellWord } from '../shell-word.js';

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function allowExcess(cmd: Command): void {
  cmd.allowExcessArguments(true);
  for (const sub of cmd.commands) allowExcess(sub);
}

/** Checks extra arguments for every command under `program`. */
export function checkExtraArguments(program: Command): void {
  allowExcess(program);
  program.hook('preAction', (_root, cmd) => {
    const expected = cmd.registeredArguments;
    if (expected.some((a) => a.variadic)) return;
    const extra = cmd.args.slice(expected.length);
    if (extra.length === 0) return;
    const takesArgs = cmd.options.some((o) => o.long === '--arg');
    const path = commandPath(cmd);
    throw new UserError(
      'USAGE',
      `too many arguments for ${path}: ${extra.map(shellWord).join(' ')}`,
      {
        hint: takesArgs
          ? 'arguments for the program go after -a: ' +
            extra.map((a) => `-a ${shellWord(a)}`).join(' ')
          : `see ${path} --help`,
      },
    );
  });
}
