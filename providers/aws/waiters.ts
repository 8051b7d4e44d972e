// How long an EC2 waiter (running, stopped, terminated) polls, and the
// SDK's waiter settings made from it.
import type { EC2Client } from '@aws-sdk/client-ec2';

export interface WaiterTimings {
  /** Seconds to wait for the state before giving up. */
  maxWaitSeconds: number;
  minDelaySeconds: number;
  maxDelaySeconds: number;
}

export function waiterConfig(client: EC2Client, t: WaiterTimings) {
  return {
    client,
    maxWaitTime: t.maxWaitSeconds,
    minDelay: t.minDelaySeconds,
    maxDelay: t.maxDelaySeconds,
  };
}
