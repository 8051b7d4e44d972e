// The small /etc files every image gets unless the app brings its own.

const encoder = new TextEncoder();

/** /etc/resolv.conf: one "nameserver" line per server. */
export function resolvConf(nameServers: string[]): Uint8Array {
  return encoder.encode(nameServers.map((s) => `nameserver ${s}\n`).join(''));
}

/** /etc/passwd with root only; the shell does not exist on purpose. */
export const PASSWD = encoder.encode('root:x:0:0:root:/root:/bin/nobash\n');

export const HOSTNAME = encoder.encode('skiff\n');
