#!/usr/bin/env node
// The only file that touches the process: argv in, exit code out. SIGINT
// and SIGTERM abort the running command (it stops its VM or upload and
// cleans up); a second Ctrl-C exits at once.
import { main } from '../dist/src/cli/main.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (name) => {
  signals += 1;
  if (signals > 1) process.exit(130);
  controller.abort(new Error(`received ${name}`));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
