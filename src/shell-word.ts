// One argument as a shell word, for commands shown in messages and hints:
// as it is when nothing in it is special to a shell, else single-quoted.

export function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
