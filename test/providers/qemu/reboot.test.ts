// RebootOnExit: "always" ("*" in the manifest) makes Nanos reset the VM
// whatever the exit code, so QEMU must run without -no-reboot and the
// instance keeps running, booting the app again and again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../../helpers/kernel.js';
import {
  compile,
  hasGcc,
  HELLO_C,
  makeImage,
  removeHome,
  runConfig,
  testHome,
  waitFor,
  type TestHome,
} from './fixture.js';

const kernel = findKernelForTests();

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe.skipIf(!kernel || !hasGcc())('qemu provider: RebootOnExit', () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await testHome();
    const hello = await compile(home.dir, 'hello', HELLO_C);
    for (const mode of ['always', 'on-failure'] as const) {
      await home.provider.createImage({
        name: `hello-${mode}`,
        image: await makeImage(kernel!, home.dir, hello, {
          args: ['boot', '0'],
          rebootOnExit: mode,
        }),
        config: runConfig({ rebootOnExit: mode }),
      });
    }
  });
  afterAll(() => removeHome(home));

  it('"always" reboots after exit(0) and keeps running', async () => {
    const { provider } = home;
    await provider.createInstance({
      name: 'loop',
      imageName: 'hello-always',
      config: runConfig(),
      ports: [],
    });
    await waitFor(
      async () =>
        count((await provider.readLogs('loop', 0)).text, 'hello from app') >= 3,
      60_000,
      'three boots',
    );
    expect((await provider.getInstance('loop')).state).toBe('running');
    await provider.deleteInstance('loop');
  });

  it('"on-failure" (true) does not reboot after exit(0)', async () => {
    const { provider } = home;
    await provider.createInstance({
      name: 'once',
      imageName: 'hello-on-failure',
      config: runConfig(),
      ports: [],
    });
    const info = await waitFor(
      async () => {
        const i = await provider.getInstance('once');
        return i.state === 'stopped' && i;
      },
      30_000,
      'the app to exit',
    );
    expect(info.exitCode).toBe(0);
    const text = (await provider.readLogs('once', 0)).text;
    expect(count(text, 'hello from app')).toBe(1);
  });
});
