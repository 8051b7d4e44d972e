// Host ports before a local VM starts: one a running instance forwards is
// refused naming that instance, one anything else holds as in use.
import type { PortForward } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import { checkHostPortsFree, remapHint } from '../../src/qemu/ports.js';
import type { InstanceInfo } from '../types.js';

/** The ports each running instance forwards. */
export type BusyPorts = { instance: string; ports: PortForward[] }[];

/** The ports of the running instances in `infos`, but `except`'s. */
export function runningPorts(
  infos: readonly InstanceInfo[],
  except?: string,
): BusyPorts {
  return infos
    .filter((i) => i.name !== except && i.state === 'running')
    .map((i) => ({ instance: i.name, ports: i.ports }));
}

function samePort(a: PortForward, b: PortForward): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort;
}

/**
 * Throws PORT_IN_USE for the first of `ports` taken: by a running
 * instance in `busy` (named, before a bind could only say "in use"), or
 * by anything on `publishAddress` (every interface when unset).
 * `canRemap`: the command takes -p.
 */
export async function checkPortsFree(
  ports: PortForward[],
  publishAddress: string | undefined,
  busy: BusyPorts,
  canRemap?: boolean,
): Promise<void> {
  for (const p of ports) {
    const owner = busy.find((b) => b.ports.some((q) => samePort(p, q)));
    if (!owner) continue;
    throw new UserError(
      'PORT_IN_USE',
      `host ${p.protocol} port ${p.hostPort} is already forwarded to ` +
        `running instance "${owner.instance}"`,
      {
        hint:
          `stop it (skiff instance stop ${owner.instance}) or ` +
          remapHint(p.guestPort, canRemap),
      },
    );
  }
  await checkHostPortsFree(ports, publishAddress || '0.0.0.0', canRemap);
}
