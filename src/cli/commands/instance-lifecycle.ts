// `skiff instance start|stop|delete <name>`: one small command each.
import type { Command } from 'commander';
import type { Provider } from '../../../providers/types.js';
import type { CliContext } from '../context.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

interface Verb {
  name: 'start' | 'stop' | 'delete';
  description: string;
  done: string;
  run: (provider: Provider, name: string) => Promise<void>;
}

const VERBS: Verb[] = [
  {
    name: 'start',
    description: 'start a stopped instance again',
    done: 'started',
    run: (p, n) => p.startInstance(n),
  },
  {
    name: 'stop',
    description: 'stop an instance: power button, then quit, then kill',
    done: 'stopped',
    run: (p, n) => p.stopInstance(n),
  },
  {
    name: 'delete',
    description: 'stop an instance and remove it with its disk and logs',
    done: 'deleted',
    run: (p, n) => p.deleteInstance(n),
  },
];

export function registerInstanceLifecycle(
  instance: Command,
  ctx: CliContext,
): void {
  for (const verb of VERBS) {
    const cmd = instance
      .command(verb.name)
      .description(verb.description)
      .argument('<name>', 'the instance');
    addTargetFlags(cmd);
    cmd.action(async (name: string, opts: TargetFlags) => {
      const config = await resolveRunOnlyConfig(ctx, opts);
      const provider = await providerFor(ctx, opts, config);
      await verb.run(provider, name);
      if (ctx.json) {
        ctx.logger.result(JSON.stringify({ name, [verb.done]: true }));
        return;
      }
      ctx.logger.info(`instance ${name} ${verb.done}`);
    });
  }
}
