import { RECOVERABLE_DAYS, RECOVERY_LEVEL, SecretVersion, StoredSecret } from './vaultState';

type Json = Record<string, unknown>;

/** Metadata of one secret as `GET /_emulator/secrets` shows it: never a value. */
export interface SecretMetadata {
  name: string;
  versions: {
    version: string;
    enabled: boolean;
    contentType: string | null;
    tags: Record<string, string> | null;
    nbf: number | null;
    exp: number | null;
  }[];
  deleted: boolean;
}

/** SecretAttributes: Unix seconds; `nbf`/`exp` only when set. */
function attributes(v: SecretVersion): Json {
  return {
    enabled: v.enabled,
    ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
    ...(v.exp !== undefined ? { exp: v.exp } : {}),
    created: v.created,
    updated: v.updated,
    recoverableDays: RECOVERABLE_DAYS,
    recoveryLevel: RECOVERY_LEVEL,
  };
}

/** SecretBundle; `withValue` only for set and get. */
export function secretBundle(origin: string, secret: StoredSecret, v: SecretVersion, withValue: boolean): Json {
  return {
    ...(withValue ? { value: v.value } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    id: `${origin}/secrets/${secret.name}/${v.version}`,
    attributes: attributes(v),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
  };
}

/** SecretItem: `versioned` ids in the versions list, versionless in the secrets list. Never a value. */
export function secretItem(origin: string, secret: StoredSecret, v: SecretVersion, versioned: boolean): Json {
  return {
    id: versioned ? `${origin}/secrets/${secret.name}/${v.version}` : `${origin}/secrets/${secret.name}`,
    attributes: attributes(v),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
  };
}

/** What a deleted secret adds to a bundle or item: `recoveryId`, `deletedDate`, `scheduledPurgeDate`. */
export function deletedSecretInfo(origin: string, secret: StoredSecret): Json {
  return {
    recoveryId: `${origin}/deletedsecrets/${secret.name}`,
    deletedDate: secret.deleted?.deletedDate,
    scheduledPurgeDate: secret.deleted?.scheduledPurgeDate,
  };
}

export function secretMetadata(secret: StoredSecret): SecretMetadata {
  return {
    name: secret.name,
    versions: secret.versions.map((v) => ({
      version: v.version,
      enabled: v.enabled,
      contentType: v.contentType ?? null,
      tags: v.tags ?? null,
      nbf: v.nbf ?? null,
      exp: v.exp ?? null,
    })),
    deleted: secret.deleted !== undefined,
  };
}
