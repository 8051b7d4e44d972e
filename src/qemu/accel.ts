// Picks the accelerator: --accel kvm|tcg as asked, auto = KVM when the
// probe says it works.
import { EnvironmentError } from '../errors.js';
import type { Logger } from '../log.js';
import type { KvmProbeResult } from './kvm.js';

export type AccelChoice = 'auto' | 'kvm' | 'tcg';

export async function chooseAccel(
  choice: AccelChoice,
  probe: () => Promise<KvmProbeResult>,
  logger: Logger,
): Promise<'kvm' | 'tcg'> {
  if (choice === 'tcg') return 'tcg';
  const result = await probe();
  if (choice === 'kvm' && !result.usable) {
    throw new EnvironmentError(
      'KVM_UNUSABLE',
      `KVM was asked for (--accel kvm or RunConfig.Accel "kvm") but is ` +
        `unusable: ${result.reason}`,
      {
        hint:
          'use --accel auto (KVM when it works, else TCG) or --accel tcg ' +
          '(slower); in config.json, RunConfig.Accel "auto" or "tcg"',
      },
    );
  }
  if (result.usable) {
    logger.debug(`accel: kvm (${result.reason})`);
    return 'kvm';
  }
  logger.debug(`accel: tcg, KVM unusable: ${result.reason}`);
  return 'tcg';
}
