import { vi, it, expect } from 'vitest';
vi.mock('../../src/build/pipeline.js', () => ({ buildImage: async () => { throw new Error('no'); } }));
import { runCli, tempHome } from '../helpers/cli-run.js';
import { createQemuProvider } from '../../providers/qemu/index.js';
import { resolvePaths } from '../../src/paths.js';
import { RecordingLogger } from '../../src/log.js';
import { compile, HELLO_C, makeImage, runConfig, killLeftovers } from '../providers/qemu/fixture.js';
import { findKernelForTests } from '../helpers/kernel.js';

it('cli scratch', async () => {
  const home = await tempHome();
  const env = { ...home.env };
  const paths = resolvePaths(env);
  const p = createQemuProvider({ logger: new RecordingLogger(), paths, env: process.env });
  const hello = await compile(home.dir, 'hello', HELLO_C);
  await p.createImage({ name: 'hello', image: await makeImage(findKernelForTests()!, home.dir, hello, { args: ['x', '4'] }), config: runConfig() });
  const cli = (...a: string[]) => runCli(a, { env, cwd: home.dir });
  for (const argv of [
    ['image', 'list'], ['image', 'list', '--json'], ['--json', 'image', 'list'],
    ['instance', 'create', 'hello', '--accel', 'tcg'],
    ['instance', 'create', '-n', 'h2', 'hello', '--accel', 'tcg', '-p', '9999', '--json'],
    ['instance', 'list'], ['instance', 'logs', 'h2'], ['instance', 'logs', 'h2', '-w'],
    ['instance', 'list'], ['instance', 'stop', 'h2'], ['instance', 'delete', 'nope'],
    ['instance', 'delete', 'h2', '--json'], ['image', 'delete', 'zzz'], ['instance', 'create', 'hello', '-n', 'bad name'],
    ['instance', 'list', '-c', 'missing.json'], ['instance', 'list', '-t', 'gcp'],
    ['instance', '--help'], ['image', 'create', '--help'],
  ]) {
    const r = await cli(...argv);
    console.log('$ skiff', argv.join(' '), '->', r.code, '\n' + r.stdout + '\n--stderr--\n' + r.stderr);
  }
  await killLeftovers(paths);
});
