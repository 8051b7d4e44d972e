// Messages about a flattened image in the image's own terms: the temp
// folder it was flattened into (`<store>/.tmp-work-.../rootfs`) means
// nothing to the user and is gone when the command ends.
import type { Logger } from '../log.js';

/** `text` with host paths under `root` written as image paths. */
export function inImageTerms(text: string, root: string): string {
  return text
    .split(` (inside ${root})`)
    .join(' (in the image)')
    .split(` inside ${root}`)
    .join(' in the image')
    .split(`${root}/`)
    .join('/')
    .split(root)
    .join('/');
}

/** A logger that rewrites every message with inImageTerms. */
export function imageTermsLogger(logger: Logger, root: string): Logger {
  const terms = (m: string) => inImageTerms(m, root);
  return {
    error: (m) => logger.error(terms(m)),
    warn: (m) => logger.warn(terms(m)),
    info: (m) => logger.info(terms(m)),
    debug: (m) => logger.debug(terms(m)),
    result: (t) => logger.result(t),
    stream: (c) => logger.stream(c),
    progress: (label, done, total) => logger.progress(label, done, total),
    addSecret: (v) => logger.addSecret(v),
  };
}
