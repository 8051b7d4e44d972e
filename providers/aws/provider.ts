// The AWS Provider: wires the clients, timings and the steps together.
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type {
  CheckCreateImageOptions,
  CreateImageOptions,
  CreateInstanceOptions,
  DeleteImageOptions,
  ImageInfo,
  InstanceInfo,
  LogChunk,
  Provider,
  ProviderContext,
} from '../types.js';
import type { AwsClients } from './clients.js';
import { checkAmiName, createAwsImage } from './create-image.js';
import { createAwsInstance } from './create-instance.js';
import { deleteAwsImage } from './delete-image.js';
import { listSkiffImages } from './images.js';
import {
  deleteInstance,
  listSkiffInstances,
  requireInstance,
  startInstance,
  stopInstance,
  toInstanceInfo,
} from './instances.js';
import { nextChunk, readConsoleText, type ConsoleMemo } from './logs.js';
import { preflightImageCreate } from './preflight.js';
import type { ResolvedLocation } from './region.js';
import { sleep } from './retry.js';
import { snapshotDeleteRetry, type AwsTimings } from './timings.js';

interface ConsoleState {
  instanceId: string;
  latest: boolean;
  fetchedAt: number;
  memo?: ConsoleMemo;
}

export class AwsProvider implements Provider {
  readonly target = 'aws';
  private readonly consoles = new Map<string, ConsoleState>();
  /** readLogs spaces GetConsoleOutput calls by this anyway. */
  readonly logPollIntervalMs: number;

  constructor(
    private readonly ctx: ProviderContext,
    private readonly cloud: ResolvedCloudConfig,
    private readonly clients: AwsClients,
    private readonly location: ResolvedLocation,
    private readonly timings: AwsTimings,
  ) {
    this.logPollIntervalMs = timings.consoleIntervalMs;
  }

  async checkCreateImage(opts: CheckCreateImageOptions): Promise<void> {
    await preflightImageCreate(this.clients, this.location);
    await checkAmiName(this.clients.ec2, opts.name, opts.force === true);
  }

  createImage(opts: CreateImageOptions): Promise<ImageInfo> {
    return createAwsImage(
      {
        ctx: this.ctx,
        cloud: this.cloud,
        clients: this.clients,
        region: this.location.region,
        timings: this.timings,
      },
      opts,
    );
  }

  listImages(): Promise<ImageInfo[]> {
    return listSkiffImages(this.clients.ec2);
  }

  deleteImage(name: string, opts: DeleteImageOptions = {}): Promise<void> {
    return deleteAwsImage(
      {
        ec2: this.clients.ec2,
        logger: this.ctx.logger,
        region: this.location.region,
        retry: snapshotDeleteRetry(this.timings, this.ctx.signal),
      },
      name,
      opts,
    );
  }

  createInstance(opts: CreateInstanceOptions): Promise<InstanceInfo> {
    return createAwsInstance(
      {
        ctx: this.ctx,
        cloud: this.cloud,
        clients: this.clients,
        availabilityZone: this.location.availabilityZone,
        timings: this.timings,
      },
      opts,
    );
  }

  async listInstances(): Promise<InstanceInfo[]> {
    const found = await listSkiffInstances(this.clients.ec2);
    return found
      .map(toInstanceInfo)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async getInstance(name: string): Promise<InstanceInfo> {
    return toInstanceInfo(await requireInstance(this.clients.ec2, name));
  }

  startInstance(name: string): Promise<void> {
    return startInstance(this.clients.ec2, name);
  }

  stopInstance(name: string): Promise<void> {
    return stopInstance(
      this.clients.ec2,
      name,
      this.ctx.logger,
      this.timings.delete,
    );
  }

  async deleteInstance(name: string): Promise<void> {
    await deleteInstance(
      this.clients.ec2,
      name,
      this.ctx.logger,
      this.timings.delete,
    );
    this.consoles.delete(name);
  }

  /** See logs.ts for what offsets mean on AWS. */
  async readLogs(name: string, offset: number): Promise<LogChunk> {
    let state = this.consoles.get(name);
    if (!state) {
      const instance = await requireInstance(this.clients.ec2, name);
      state = { instanceId: instance.InstanceId, latest: true, fetchedAt: 0 };
      this.consoles.set(name, state);
    }
    // A fast `logs -w` loop would otherwise call EC2 several times a
    // second for a console that changes much more slowly.
    const wait = state.fetchedAt + this.timings.consoleIntervalMs - Date.now();
    if (wait > 0) await sleep(wait, this.ctx.signal);
    state.fetchedAt = Date.now();
    const { text, latest } = await readConsoleText(
      this.clients.ec2,
      state.instanceId,
      name,
      state.latest,
    );
    state.latest = latest;
    const { chunk, memo } = nextChunk(state.memo, offset, text);
    state.memo = memo;
    return chunk;
  }
}
