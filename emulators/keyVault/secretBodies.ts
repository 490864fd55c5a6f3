import { isJsonObject, readJsonObject } from '../host/jsonBody';
import { ServiceRequest } from '../host/serviceHost';
import { bodyInvalid, tagsInvalid } from './keyVaultErrors';
import { VersionUpdate } from './vaultState';

/** Limits of the real service (about-secrets, about-keys-secrets-certificates). */
export const LIMITS = {
  namePattern: /^[0-9a-zA-Z-]{1,127}$/,
  valueBytes: 25 * 1024,
  contentTypeChars: 255,
  tags: 15,
  tagNameChars: 512,
  tagValueChars: 512,
} as const;

function readTags(tags: unknown): Record<string, string> {
  if (!isJsonObject(tags)) throw tagsInvalid();
  const entries = Object.entries(tags);
  if (entries.length > LIMITS.tags) throw tagsInvalid();
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || name.length > LIMITS.tagNameChars || value.length > LIMITS.tagValueChars) {
      throw tagsInvalid();
    }
  }
  return tags as Record<string, string>;
}

function readAttributes(attributes: unknown, update: VersionUpdate): void {
  if (!isJsonObject(attributes)) throw bodyInvalid();
  const { enabled, nbf, exp } = attributes;
  if (enabled !== undefined && enabled !== null) {
    if (typeof enabled !== 'boolean') throw bodyInvalid();
    update.enabled = enabled;
  }
  for (const [key, value] of [
    ['nbf', nbf],
    ['exp', exp],
  ] as const) {
    if (value === undefined) continue;
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw bodyInvalid();
    update[key] = value === null ? null : Math.floor(value);
  }
}

export function readBody(request: ServiceRequest): Record<string, unknown> {
  const body = readJsonObject(request.body);
  if (!body) throw bodyInvalid();
  return body;
}

/** `contentType`, `tags` and `attributes`, within the service's limits (certificates send the same `tags` and `attributes`). */
export function readProperties({ contentType, tags, attributes }: Record<string, unknown>): VersionUpdate {
  const update: VersionUpdate = {};
  if (contentType !== undefined && contentType !== null) {
    if (typeof contentType !== 'string' || contentType.length > LIMITS.contentTypeChars) throw bodyInvalid();
    update.contentType = contentType;
  }
  if (tags !== undefined && tags !== null) update.tags = readTags(tags);
  if (attributes !== undefined && attributes !== null) readAttributes(attributes, update);
  return update;
}

/** A set body: `value` (a string of at most 25 KB in UTF-8, checked first, as the service does) and the properties. */
export function readSetBody(request: ServiceRequest): { value: string; properties: VersionUpdate } {
  return readSetFields(readBody(request));
}

/** The fields of a set body, already parsed: `value`, `contentType`, `tags`, `attributes`. */
export function readSetFields(body: Record<string, unknown>): { value: string; properties: VersionUpdate } {
  const { value } = body;
  if (typeof value !== 'string' || Buffer.byteLength(value, 'utf8') > LIMITS.valueBytes) throw bodyInvalid();
  return { value, properties: readProperties(body) };
}

/** An update body: the properties only (a value cannot change). */
export function readUpdateBody(request: ServiceRequest): VersionUpdate {
  return readProperties(readBody(request));
}
