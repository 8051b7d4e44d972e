// Image manifests, indexes and configs: parsed from JSON and checked for
// the fields Skiff relies on.
import { z } from 'zod';
import { UserError } from '../errors.js';
import { isIndexType, isManifestType } from './media-types.js';

const descriptor = z.object({
  mediaType: z.string().optional(),
  digest: z.string(),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .object({
      os: z.string(),
      architecture: z.string(),
      variant: z.string().optional(),
    })
    .optional(),
});

export type Descriptor = z.infer<typeof descriptor>;

const imageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
});

export type ImageManifest = z.infer<typeof imageManifest>;

const imageIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptor),
});

export type ImageIndex = z.infer<typeof imageIndex>;

const imageConfig = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  config: z
    .object({
      Env: z.array(z.string()).nullish(),
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  rootfs: z
    .object({ type: z.string(), diff_ids: z.array(z.string()) })
    .optional(),
});

export type ImageConfig = z.infer<typeof imageConfig>;

export type ParsedManifest =
  | { kind: 'index'; index: ImageIndex }
  | { kind: 'manifest'; manifest: ImageManifest };

function parseJson(bytes: Uint8Array | string, what: string): unknown {
  try {
    const text =
      typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
    return JSON.parse(text);
  } catch (err) {
    throw new UserError('OCI_JSON_INVALID', `${what} is not valid JSON`, {
      cause: err,
    });
  }
}

function schemaError(what: string, error: z.ZodError): UserError {
  const first = error.issues[0];
  const where = first?.path.join('.') || '(root)';
  return new UserError(
    'OCI_MANIFEST_INVALID',
    `${what} is malformed at ${where}: ${first?.message ?? 'invalid'}`,
    { hint: 'the image is not a Docker v2 or OCI image' },
  );
}

/**
 * Parses a manifest or an index. The media type comes from the response
 * header when there is one, else from the document itself.
 */
export function parseManifest(
  bytes: Uint8Array | string,
  what: string,
  headerType?: string,
): ParsedManifest {
  const json = parseJson(bytes, what) as Record<string, unknown>;
  const type =
    headerType && (isIndexType(headerType) || isManifestType(headerType))
      ? headerType
      : typeof json?.mediaType === 'string'
        ? json.mediaType
        : undefined;
  const looksIndex =
    isIndexType(type) || (!type && Array.isArray(json?.manifests));
  if (looksIndex) {
    const r = imageIndex.safeParse(json);
    if (!r.success) throw schemaError(what, r.error);
    return { kind: 'index', index: r.data };
  }
  if (json?.schemaVersion === 1) {
    throw new UserError(
      'OCI_SCHEMA1',
      `${what} uses the old Docker schema 1 format`,
      { hint: 'push the image again with a current Docker or skopeo' },
    );
  }
  const r = imageManifest.safeParse(json);
  if (!r.success) throw schemaError(what, r.error);
  return { kind: 'manifest', manifest: r.data };
}

export function parseImageConfig(
  bytes: Uint8Array | string,
  what: string,
): ImageConfig {
  const r = imageConfig.safeParse(parseJson(bytes, what));
  if (!r.success) throw schemaError(what, r.error);
  return r.data;
}
