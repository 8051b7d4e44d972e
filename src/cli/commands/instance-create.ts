// `skiff instance create <image>`: start an instance of a named image in
// the background.
import { Option, type Command } from 'commander';
import type { PortForward } from '../../config/types.js';
import {
  defaultInstanceName,
  validateName,
  withGeneratedName,
} from '../../state/names.js';
import { resolvePublishAddress } from '../../qemu/publish-address.js';
import type { CliContext } from '../context.js';
import { imageOnlyKeys } from '../instance-config-keys.js';
import { formatInstanceTable } from './instance-format.js';
import {
  addTargetFlags,
  providerFor,
  readRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

type CreateFlags = TargetFlags & {
  instanceName?: string;
  flavor?: string;
  publishAddr?: string;
};

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  value,
];

/** A cloud instance has its own address: only the guest port counts. */
function warnHostPorts(
  ctx: CliContext,
  target: string,
  ports: PortForward[],
): void {
  for (const p of ports) {
    if (p.hostPort === p.guestPort) continue;
    const udp = p.protocol === 'udp' ? '/udp' : '';
    ctx.logger.warn(
      `-p ${p.hostPort}:${p.guestPort}${udp}: a ${target} instance has its own address, so this opens port ${p.guestPort}; the host port ${p.hostPort} is ignored`,
    );
  }
}

/**
 * Args, Env, Dirs... of `-c` are in the image already built: say they
 * change nothing here, and how to change them.
 */
function warnImageOnlyKeys(
  ctx: CliContext,
  configFile: string | undefined,
  image: string,
  target: string,
  keys: string[],
): void {
  if (keys.length === 0) return;
  const one = keys.length === 1;
  const t = target === 'qemu' ? '' : ` -t ${target}`;
  ctx.logger.warn(
    `-c ${configFile}: ${keys.join(', ')} ignored: ${one ? 'it is' : 'they are'} ` +
      `built into image ${image}; to change ${one ? 'it' : 'them'}, build ` +
      `the image again: skiff image create${t} -c ${configFile} ` +
      `--imagename ${image} --force`,
  );
}

export function registerInstanceCreate(
  instance: Command,
  ctx: CliContext,
): void {
  const cmd = instance
    .command('create')
    .description('start an instance of an image in the background')
    .argument('<image>', 'the image name (see `skiff image list`)')
    .option(
      '-n, --instance-name <name>',
      'name of the instance (default: <image>-<6 random hex digits>)',
    )
    .option(
      '-p, --port <spec>',
      'forward a port: 8080, 8080:80 (host:guest), 8000-8010, 53/udp',
      collect,
    )
    .option(
      '-m, --memory <size>',
      "guest memory, e.g. 1g (default: the image's RunConfig.Memory, else " +
        '512m)',
    )
    .option(
      '--smp <cpus>',
      "guest CPUs (default: the image's RunConfig.CPUs, else 1)",
    )
    .addOption(
      new Option('--accel <mode>', 'QEMU acceleration').choices([
        'auto',
        'kvm',
        'tcg',
      ]),
    )
    .option(
      '--publish-addr <addr>',
      'qemu: IPv4 address forwarded ports listen on (default: all)',
    )
    .option('--flavor <type>', 'cloud machine type (Flavor)');
  addTargetFlags(cmd);
  cmd.action(async (image: string, opts: CreateFlags) => {
    const { raw, config } = await readRunOnlyConfig(ctx, opts);
    const publishAddress = resolvePublishAddress(opts.publishAddr);
    const chosen = opts.instanceName ?? config.run.instanceName;
    const name = chosen ?? defaultInstanceName(image);
    validateName('instance', name);
    const provider = await providerFor(ctx, opts, config);
    if (provider.target !== 'qemu') {
      warnHostPorts(ctx, provider.target, config.run.ports);
    }
    const ignored = imageOnlyKeys(raw, provider.target);
    warnImageOnlyKeys(ctx, opts.config, image, provider.target, ignored);

    const create = (name: string) =>
      provider.createInstance({
        name,
        imageName: image,
        config,
        ports: config.run.ports,
        flavor: opts.flavor ?? config.cloud.flavor,
        options: {
          accel: typeof opts.accel === 'string' ? opts.accel : undefined,
          publishAddress: publishAddress || undefined,
        },
      });
    const info =
      chosen !== undefined
        ? await create(name)
        : await withGeneratedName(image, create, name);
    if (ctx.json) {
      ctx.logger.result(JSON.stringify(info, null, 2));
      return;
    }
    ctx.logger.info(`instance ${info.name} is ${info.state}`);
    ctx.logger.result(formatInstanceTable([info], provider.target));
  });
}
