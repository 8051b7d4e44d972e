// `instance create -t gcp`: the firewall rules first (they target a network
// tag, so they can exist before the instance), then the instance; a failed
// insert takes the rules away again, so nothing is left half made.
import { UserError } from '../../src/errors.js';
import type { CreateInstanceOptions, InstanceInfo } from '../types.js';
import type { GcpContext } from './context.js';
import { gcpError, isNotFound } from './errors.js';
import {
  createFirewall,
  deleteFirewall,
  firewallNames,
  prepareFirewall,
  ruleList,
} from './firewall.js';
import {
  findVm,
  getVm,
  instanceResource,
  toInstanceInfo,
  zonal,
  type InstancePlan,
} from './instances.js';
import { checkGcpStaticIp, withAddressHint } from './network-interface.js';
import { mayStillRun, runOperation, waitOptionsOf } from './operations.js';
import { checkResourceName, DEFAULT_FLAVOR } from './settings.js';

const GIB = 2 ** 30;

/** The image's disk size (GB) and architecture. */
async function imageFacts(
  ctx: GcpContext,
  image: string,
): Promise<{ diskSizeGb: number; arm: boolean }> {
  try {
    const [found] = await ctx.clients.images.get({
      project: ctx.settings.projectId,
      image,
    });
    return {
      diskSizeGb: Number(found.diskSizeGb ?? 1),
      arm: found.architecture === 'ARM64',
    };
  } catch (err) {
    if (isNotFound(err)) {
      throw new UserError(
        'IMAGE_NOT_FOUND',
        `image ${image} does not exist in project ${ctx.settings.projectId}`,
        {
          hint: `create it with \`skiff image create -t gcp --imagename ${image}\``,
        },
      );
    }
    throw gcpError(err, `looking up image ${image}`);
  }
}

async function insertInstance(
  ctx: GcpContext,
  plan: InstancePlan,
): Promise<void> {
  const step = `creating instance ${plan.name} from image ${plan.imageName}`;
  ctx.logger.info(`${step} (${plan.flavor}, ${plan.diskSizeGb} GB disk)`);
  const resource = instanceResource(ctx.settings, plan);
  ctx.logger.debug(`gcp: instances.insert ${JSON.stringify(resource)}`);
  try {
    await runOperation(
      ctx.clients,
      () =>
        ctx.clients.instances.insert({
          ...zonal(ctx),
          instanceResource: resource,
        }),
      waitOptionsOf(ctx, step, 'zonal'),
    );
  } catch (err) {
    throw withAddressHint(err, ctx.settings);
  }
}

/**
 * After a failed rule or instance insert: drop the rules, unless what
 * failed may yet be made.
 */
async function rollBackFirewall(
  ctx: GcpContext,
  name: string,
  failure: unknown,
): Promise<void> {
  const rules = firewallNames(name, ctx.settings.enableIpv6);
  // The insert may still go on in GCP: the rule or instance can yet appear.
  if (mayStillRun(failure)) {
    ctx.logger.warn(
      `kept ${ruleList(rules)}: instance ${name} or a rule may still be ` +
        `created; \`skiff instance delete -t gcp ${name}\` removes them all`,
    );
    return;
  }
  try {
    const removed = await deleteFirewall(ctx, name);
    if (removed.length > 0) {
      ctx.logger.debug(`removed ${ruleList(removed)}: the create failed`);
    }
  } catch (err) {
    ctx.logger.warn(
      `could not remove ${ruleList(rules)} ` +
        `(${gcpError(err, 'cleanup').message}); remove with ` +
        `\`gcloud compute firewall-rules delete ${rules.join(' ')}\``,
    );
  }
}

export async function createGcpInstance(
  ctx: GcpContext,
  opts: CreateInstanceOptions,
): Promise<InstanceInfo> {
  const { settings, clients, logger } = ctx;
  checkResourceName('instance', opts.name);
  checkResourceName('image', opts.imageName);
  checkGcpStaticIp(settings);
  const wantedGb = Math.ceil((opts.config.baseVolumeBytes ?? 0) / GIB);
  if (
    opts.config.manifestPassthrough?.gcp !== undefined &&
    !settings.instanceProfile
  ) {
    logger.warn(
      'no CloudConfig.InstanceProfile: the instance has no service account, so Cloud Logging will not receive its logs',
    );
  }

  await clients.authenticate();
  // Checked first: the rule below would otherwise replace this one's.
  if (await findVm(ctx, opts.name)) {
    throw new UserError(
      'INSTANCE_EXISTS',
      `instance ${opts.name} already exists in ${settings.projectId}/${settings.zone}`,
      {
        hint: `delete it (\`skiff instance delete -t gcp ${opts.name}\`) or choose another --instance-name`,
      },
    );
  }
  await prepareFirewall(ctx, opts.name);
  const image = await imageFacts(ctx, opts.imageName);
  const plan: InstancePlan = {
    name: opts.name,
    imageName: opts.imageName,
    flavor:
      opts.flavor ??
      settings.flavor ??
      DEFAULT_FLAVOR[image.arm ? 'ARM64' : 'X86_64'],
    diskSizeGb: Math.max(wantedGb, image.diskSizeGb),
    ports: opts.ports,
    serviceAccount: settings.instanceProfile,
  };

  try {
    await createFirewall(ctx, opts.name, opts.ports);
    await insertInstance(ctx, plan);
  } catch (err) {
    if (opts.ports.length > 0) await rollBackFirewall(ctx, opts.name, err);
    throw err;
  }
  return toInstanceInfo(await getVm(ctx, opts.name));
}
