// `skiff instance create <image>`: start an instance of a named image in
// the background.
import { Option, type Command } from 'commander';
import type { PortForward } from '../../config/types.js';
import type { ImageSource, Provider } from '../../../providers/types.js';
import {
  defaultInstanceName,
  validateName,
  withGeneratedName,
} from '../../state/names.js';
import { resolvePublishAddress } from '../../qemu/publish-address.js';
import {
  cloudOnlyInstanceKeys,
  INSTANCE_CLOUD_FLAGS,
  warnCloudOnlyFlags,
} from '../cloud-only-flags.js';
import { shellWord } from '../../shell-word.js';
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

/** How to name what an image was built from on an `image create` line. */
function sourceWords(from: ImageSource | undefined): string {
  if (from?.package) return ` --package ${from.package}`;
  if (from?.program) return ` ${shellWord(from.program)}`;
  return ' <program | --package NAME:VERSION>';
}

/**
 * Args, Env, Dirs... of `-c` are in the image already built: say they
 * change nothing here, and how to change them.
 */
async function warnImageOnlyKeys(
  ctx: CliContext,
  provider: Provider,
  configFile: string | undefined,
  image: string,
  keys: string[],
): Promise<void> {
  if (keys.length === 0) return;
  // Local images record what they were built from; cloud ones do not.
  const info =
    provider.target === 'qemu'
      ? (await provider.listImages()).find((i) => i.name === image)
      : undefined;
  const from = info?.details?.builtFrom as ImageSource | undefined;
  const one = keys.length === 1;
  const t = provider.target === 'qemu' ? '' : ` -t ${provider.target}`;
  ctx.logger.warn(
    `-c ${configFile}: ${keys.join(', ')} ignored: ${one ? 'it is' : 'they are'} ` +
      `built into image ${image}; to change ${one ? 'it' : 'them'}, build ` +
      `the image again: skiff image create${t}${sourceWords(from)} ` +
      `-c ${shellWord(configFile ?? 'config.json')} --imagename ${image} --force`,
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
    warnCloudOnlyFlags(
      ctx,
      provider.target,
      opts,
      INSTANCE_CLOUD_FLAGS,
      cloudOnlyInstanceKeys(config.cloud),
    );
    const ignored = imageOnlyKeys(raw, provider.target);
    await warnImageOnlyKeys(ctx, provider, opts.config, image, ignored);

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
