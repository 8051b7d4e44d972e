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
      `--accel kvm was asked for but KVM is unusable: ${result.reason}`,
      { hint: 'use --accel tcg (slower) or --accel auto' },
    );
  }
  if (result.usable) {
    logger.debug(`accel: kvm (${result.reason})`);
    return 'kvm';
  }
  logger.debug(`accel: tcg, KVM unusable: ${result.reason}`);
  return 'tcg';
}
