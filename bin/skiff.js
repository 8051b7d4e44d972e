#!/usr/bin/env node
// The only file that touches the process: argv in, exit code out.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
process.exitCode = code;
