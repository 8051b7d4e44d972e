#!/usr/bin/env node
// The only file that touches the process: argv in, exit code out. SIGINT,
// SIGTERM and SIGHUP abort the running command (it stops its VM or upload
// and cleans up; exit 130, 143, 129). A second signal exits at once, after
// the synchronous clean-ups: temp files removed, QEMU killed.
// dist/ is what `npm run build` makes: say so rather than print a stack.
const load = (path) =>
  import(new URL(`../dist/src/${path}`, import.meta.url).href).catch((err) => {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    process.stderr.write(
      `error: Skiff is not built (${err.message.split('\n')[0]})\n` +
        'error: hint: run `npm ci && npm run build` in ' +
        `${new URL('..', import.meta.url).pathname}\n`,
    );
    process.exit(1);
  });
const { Interrupt, OutputFailed } = await load('cli/interrupt.js');
const { main } = await load('cli/main.js');
const { runForcedExitCleanups } = await load('exit-cleanup.js');

// The AWS SDK warns on every command that a future release needs a newer
// Node, and gcp-metadata warns (MetadataLookupWarning) whenever its probe
// of the GCE metadata server gets an unexpected answer, i.e. on every GCP
// command run off GCP without other credentials; nothing for a Skiff user
// to act on (a credentials problem is still reported as an error). Other
// warnings still show.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (String(text).startsWith('NodeVersionSupportWarning')) return;
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if ((type ?? warning?.name) === 'MetadataLookupWarning') return;
  emitWarning(warning, ...rest);
};

const controller = new AbortController();
const onSignal = (name) => {
  const first = controller.signal.reason;
  if (first instanceof Interrupt) {
    runForcedExitCleanups();
    process.exit(first.exitCode);
  }
  controller.abort(new Interrupt(name));
};
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(name, () => onSignal(name));
}
// A reader that went away (`skiff run app | head -1`) is a SIGPIPE: the
// command stops (VM stopped, temp files removed) and exits 141, or with
// the program's code when it had already exited. Not a crash. Any other
// failure of stdout (a full disk) stops the command too, as an error.
let finished = false;
const onWriteError = (stream) => (err) => {
  const failure =
    err?.code === 'EPIPE' ? new Interrupt('SIGPIPE') : new OutputFailed(err);
  if (finished) {
    // The command is done; the last output could not be flushed.
    if (process.exitCode || controller.signal.aborted) return;
    controller.abort(failure);
    process.exitCode = failure instanceof Interrupt ? failure.exitCode : 1;
    if (failure instanceof OutputFailed && stream === 'stdout') {
      const shown = failure.describe();
      process.stderr.write(
        `error: ${shown.message}\nerror: hint: ${shown.hint}\n`,
      );
    }
    return;
  }
  if (controller.signal.aborted) return;
  if (failure instanceof Interrupt || stream === 'stdout') {
    controller.abort(failure);
  }
};
process.stdout.on('error', onWriteError('stdout'));
process.stderr.on('error', onWriteError('stderr'));

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode ||= code;
finished = true;
