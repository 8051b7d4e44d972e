// What interpreted runtimes need besides their ELF closure, found in the
// image (runtime-notes.md): PHP's ini files, extension modules, include
// path and the UTC zone (php-extras.ts); Python's standard library and
// package folders (python-extras.ts); a CA bundle for anything that does
// TLS.
import { posix } from 'node:path';
import type { ImageProgram } from './image-program.js';
import { existing } from './image-files.js';
import { phpExtras } from './php-extras.js';
import { pythonExtras } from './python-extras.js';

export interface RuntimeExtras {
  language?: string;
  /** Image paths to copy (folders whole). Missing ones are skipped. */
  paths: string[];
  /** Image paths of ELF modules loaded at run time (their deps count). */
  modules: string[];
  /** Folders inside `paths` to leave out. */
  exclude?: string[];
}

const CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

/**
 * Extras for the program's runtime, plus a CA bundle when present.
 * `env` is the image's (VIRTUAL_ENV, PYTHONPATH).
 */
export async function runtimeExtras(
  root: string,
  program: ImageProgram,
  env: Record<string, string> = {},
): Promise<RuntimeExtras> {
  const names = [program.realImagePath, program.imagePath].map((p) =>
    posix.basename(p),
  );
  let extras: RuntimeExtras = { paths: [], modules: [] };
  if (names.some((n) => /^php(-fpm|-cgi)?[\d.]*$/.test(n))) {
    extras = await phpExtras(root, program);
  } else if (names.some((n) => /^python\d*(\.\d+)?$/.test(n))) {
    extras = await pythonExtras(root, program, env);
  } else if (names.some((n) => /^node(js)?$/.test(n))) {
    extras.language = 'node';
  }
  extras.paths.push(...(await existing(root, CA_BUNDLES)));
  return extras;
}
