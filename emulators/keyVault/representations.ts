import { createHash } from 'node:crypto';
import {
  CertificateVersion,
  KeyVersion,
  ObjectVersion,
  PendingOperation,
  RECOVERABLE_DAYS,
  RECOVERY_LEVEL,
  SecretVersion,
  StoredCertificate,
  StoredKey,
  StoredSecret,
} from './vaultState';

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

/** Metadata of one certificate as `GET /_emulator/certificates` shows it: versions in creation order, never a key. */
export interface CertificateMetadata {
  name: string;
  versions: { version: string; enabled: boolean; tags: Record<string, string> | null }[];
}

/** A certificate's metadata for the control plane (tests judge what the API left behind from it). */
export function certificateMetadata(certificate: StoredCertificate): CertificateMetadata {
  return {
    name: certificate.name,
    versions: certificate.versions.map((v) => ({ version: v.version, enabled: v.enabled, tags: v.tags ?? null })),
  };
}

/** Secret, key and certificate attributes: Unix seconds; `nbf`/`exp` only when set. */
function attributes(v: ObjectVersion): Json {
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

/** SecretBundle; `withValue` only for set and get. The secret behind a certificate is `managed` and names its `kid`. */
export function secretBundle(origin: string, secret: StoredSecret, v: SecretVersion, withValue: boolean): Json {
  return {
    ...(withValue ? { value: v.value } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    id: `${origin}/secrets/${secret.name}/${v.version}`,
    attributes: attributes(v),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
    ...(v.kid !== undefined ? { kid: v.kid, managed: true } : {}),
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

/** `{origin}/{collection}/{name}/{version}`: the id of one version of a vault object. */
export function objectId(origin: string, collection: string, name: string, version: string): string {
  return `${origin}/${collection}/${name}/${version}`;
}

/** KeyBundle: the public JWK (never `d` or the primes), attributes, `managed` for a certificate's key. */
export function keyBundle(origin: string, key: StoredKey, v: KeyVersion): Json {
  return {
    key: { kid: objectId(origin, 'keys', key.name, v.version), kty: 'RSA', key_ops: v.keyOps, n: v.n, e: v.e },
    attributes: attributes(v),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
    ...(key.managed ? { managed: true } : {}),
  };
}

/** The SHA-1 thumbprint of a certificate, base64url: Key Vault's `x5t`. */
export function x5t(der: Buffer): string {
  return createHash('sha1').update(der).digest('base64url');
}

/** CertificateItem, as listings show it: `versioned` ids in the versions list, versionless in the certificates list. */
export function certificateItem(
  origin: string,
  cert: StoredCertificate,
  v: CertificateVersion,
  versioned: boolean,
): Json {
  return {
    id: versioned ? objectId(origin, 'certificates', cert.name, v.version) : `${origin}/certificates/${cert.name}`,
    x5t: x5t(v.der),
    attributes: attributes(v),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
  };
}

/** The policy with its id and attributes, as `GET …/policy` and every certificate bundle show it. */
export function certificatePolicy(origin: string, cert: StoredCertificate): Json {
  return {
    id: `${origin}/certificates/${cert.name}/policy`,
    ...cert.policy,
    attributes: { enabled: true, created: cert.policyCreated, updated: cert.policyCreated },
  };
}

/** CertificateBundle: ids of the version and of its key (`kid`) and secret (`sid`), `cer` (DER, base64), `x5t`, policy. */
export function certificateBundle(origin: string, cert: StoredCertificate, v: CertificateVersion): Json {
  return {
    id: objectId(origin, 'certificates', cert.name, v.version),
    kid: objectId(origin, 'keys', cert.name, v.version),
    sid: objectId(origin, 'secrets', cert.name, v.version),
    x5t: x5t(v.der),
    cer: v.der.toString('base64'),
    attributes: attributes(v),
    ...(v.tags !== undefined ? { tags: v.tags } : {}),
    policy: certificatePolicy(origin, cert),
  };
}

/** CertificateOperation (`/pending`): `target` once completed. */
export function certificateOperation(origin: string, cert: StoredCertificate, pending: PendingOperation): Json {
  return {
    id: `${origin}/certificates/${cert.name}/pending`,
    issuer: { name: pending.issuerName },
    cancellation_requested: false,
    status: pending.status,
    ...(pending.status === 'inProgress'
      ? {
          status_details:
            'Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.',
        }
      : { target: `${origin}/certificates/${cert.name}` }),
    request_id: pending.requestId,
  };
}
