// A fake Nanos release tarball (.tar.gz) from file names and contents.
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export async function releaseTarball(
  files: Record<string, string>,
): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) {
    p.entry({ name, mode: 0o755 }, body);
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
