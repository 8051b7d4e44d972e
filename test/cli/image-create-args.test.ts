// `image create` refuses what it cannot honour before it looks anything
// up: a program given with --package would be silently dropped.
import { describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli-run.js';

describe('image create --package', () => {
  it('refuses a program beside the package', async () => {
    const home = await tempHome();
    try {
      const r = await runCli(
        ['--json', 'image', 'create', '--package', 'php:8.2', './server'],
        { cwd: home.dir, env: home.env },
      );
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error).toMatchObject({
        code: 'USAGE',
        message:
          'image create --package php:8.2 takes no program (got ./server): ' +
          "the package's own Program runs",
      });
    } finally {
      await home.cleanup();
    }
  });
});
