// A chatty app on a real Nanos kernel: its console log is capped (a small
// part size here), `readLogs` gives the tail and says older output was
// dropped, and a follower gets every line or a dropped flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../../helpers/kernel.js';
import {
  compile,
  hasGcc,
  liveProcesses,
  makeImage,
  removeHome,
  runConfig,
  testHome,
  waitFor,
  type TestHome,
} from './fixture.js';

const kernel = findKernelForTests();

const CHATTY_C = `
#include <stdio.h>
int main(void) {
  for (int i = 0; i < 3000; i++) printf("line %05d ........................................\\n", i);
  fflush(stdout);
  return 0;
}
`;

describe.skipIf(!kernel || !hasGcc())('qemu provider: capped console', () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await testHome({ serialPartBytes: 16 * 1024 });
    const chatty = await compile(home.dir, 'chatty', CHATTY_C);
    await home.provider.createImage({
      name: 'chatty',
      image: await makeImage(kernel!, home.dir, chatty),
      config: runConfig(),
    });
  });
  afterAll(() => removeHome(home));

  it('keeps the tail of a console larger than the cap', async () => {
    const { provider, paths } = home;
    await provider.createInstance({
      name: 'c1',
      imageName: 'chatty',
      config: runConfig(),
      ports: [],
    });
    let offset = 0;
    let followed = '';
    let flagged = false;
    const info = await waitFor(
      async () => {
        const i = await provider.getInstance('c1');
        const chunk = await provider.readLogs('c1', offset);
        followed += chunk.text;
        flagged ||= chunk.dropped === true;
        offset = chunk.nextOffset;
        return i.state === 'stopped' && i;
      },
      60_000,
      'the app to finish',
    );
    expect(info.exitCode).toBe(0);
    const rest = await provider.readLogs('c1', offset);
    followed += rest.text;
    expect(followed).toContain('line 02999 ....');
    // A follower that lost lines was told so.
    if (!flagged && !rest.dropped) {
      expect(followed).toContain('line 00000 ....');
    }

    const whole = await provider.readLogs('c1', 0);
    expect(whole.dropped).toBe(true);
    expect(whole.text).toContain('line 02999 ....');
    expect(whole.text).not.toContain('line 00000 ....');
    expect(whole.text.length).toBeLessThanOrEqual(32 * 1024);
    await provider.deleteInstance('c1');
    expect(await liveProcesses(paths)).toEqual([]);
  });
});
