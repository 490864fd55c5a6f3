import { isJsonObject } from '../host/jsonBody';
import { ServiceRequest } from '../host/serviceHost';
import { badParameter, bodyInvalid, notImplemented } from './keyVaultErrors';
import { readBody, readProperties } from './secretBodies';
import { VersionUpdate } from './vaultState';

/** The secret content types a certificate's secret may have. */
export const PKCS12 = 'application/x-pkcs12';
export const PEM = 'application/x-pem-file';

/** RSA key sizes Key Vault certificates accept. */
const RSA_KEY_SIZES = [2048, 3072, 4096];
const MAX_VALIDITY_MONTHS = 1200;

/** What issuing a certificate needs from its policy, defaults applied. */
export interface IssuancePolicy {
  subject: string;
  dnsNames: string[];
  keySize: number;
  /** Key Vault's default is exportable: the secret then holds the private key. */
  exportable: boolean;
  contentType: typeof PKCS12 | typeof PEM;
  validityMonths: number;
  keyUsage: string[];
  ekus: string[];
}

/** A create request: the policy (as Key Vault will show it back, and as issuance reads it), attributes and tags. */
export interface CreateCertificateRequest {
  issuance: IssuancePolicy;
  /** The wire policy with defaults filled in, without `id` and `attributes`. */
  policy: Record<string, unknown>;
  properties: VersionUpdate;
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw bodyInvalid();
  return value;
}

function stringList(value: unknown, fallback: string[]): string[] {
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw bodyInvalid();
  return value;
}

/** `key_props`: RSA (or RSA-HSM) only here; 2048, 3072 or 4096 bits. */
function readKeyProps(raw: unknown): { exportable: boolean; keySize: number; wire: Record<string, unknown> } {
  const props = objectOrEmpty(raw);
  const kty = props.kty ?? 'RSA';
  if (kty !== 'RSA' && kty !== 'RSA-HSM') throw notImplemented(`certificates with ${JSON.stringify(kty)} keys`);
  const keySize = props.key_size ?? 2048;
  if (typeof keySize !== 'number' || !RSA_KEY_SIZES.includes(keySize)) {
    // Wording unverified; the sizes are the service's.
    throw badParameter(`Key size ${JSON.stringify(keySize)} is not supported for key type ${kty}.`);
  }
  const exportable = props.exportable ?? true;
  if (typeof exportable !== 'boolean') throw bodyInvalid();
  return { exportable, keySize, wire: { exportable, kty, key_size: keySize, reuse_key: props.reuse_key === true } };
}

/**
 * Reads `POST /certificates/{name}/create`: `{policy, attributes?, tags?}`. Self-issued RSA certificates only; other
 * issuers and key types answer 501 (not emulated).
 */
export function readCreateBody(request: ServiceRequest): CreateCertificateRequest {
  const body = readBody(request);
  if (!isJsonObject(body.policy)) throw bodyInvalid();
  const policy = body.policy;
  const issuerName = objectOrEmpty(policy.issuer).name ?? 'Self';
  if (issuerName !== 'Self') throw notImplemented(`certificates from the issuer ${JSON.stringify(issuerName)}`);
  const key = readKeyProps(policy.key_props);
  const secretProps = objectOrEmpty(policy.secret_props);
  const contentType = secretProps.contentType ?? PKCS12;
  if (contentType !== PKCS12 && contentType !== PEM) throw bodyInvalid();
  const x509 = objectOrEmpty(policy.x509_props);
  const sans = objectOrEmpty(x509.sans);
  const dnsNames = stringList(sans.dns_names, []);
  const subject = x509.subject ?? '';
  if (typeof subject !== 'string' || (subject === '' && dnsNames.length === 0)) throw bodyInvalid();
  const validityMonths = x509.validity_months ?? 12;
  if (typeof validityMonths !== 'number' || !Number.isInteger(validityMonths)) throw bodyInvalid();
  if (validityMonths < 1 || validityMonths > MAX_VALIDITY_MONTHS) throw bodyInvalid();
  const keyUsage = stringList(x509.key_usage, ['digitalSignature', 'keyEncipherment']);
  const ekus = stringList(x509.ekus, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  const lifetimeActions = policy.lifetime_actions ?? [
    { trigger: { lifetime_percentage: 80 }, action: { action_type: 'AutoRenew' } },
  ];
  return {
    issuance: {
      subject,
      dnsNames,
      keySize: key.keySize,
      exportable: key.exportable,
      contentType,
      validityMonths,
      keyUsage,
      ekus,
    },
    policy: {
      key_props: key.wire,
      secret_props: { contentType },
      x509_props: {
        subject,
        ...(dnsNames.length > 0 ? { sans: { dns_names: dnsNames } } : {}),
        ekus,
        key_usage: keyUsage,
        validity_months: validityMonths,
        basic_constraints: { ca: false },
      },
      lifetime_actions: lifetimeActions,
      issuer: { name: 'Self' },
    },
    properties: readProperties({ tags: body.tags, attributes: body.attributes }),
  };
}
