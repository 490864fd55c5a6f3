import { AccessTokenClaims, KEY_VAULT_RESOURCE, TokenIssuer } from '../entra/tokenIssuer';
import { ServiceAccess } from '../host/routedService';
import { findPrincipal } from '../seed';
import { forbiddenByRbac, unauthorized } from './keyVaultErrors';

/** The RBAC data actions of the secrets data plane. */
export const SecretAction = {
  getSecret: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  setSecret: 'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  readMetadata: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  update: 'Microsoft.KeyVault/vaults/secrets/update/action',
  delete: 'Microsoft.KeyVault/vaults/secrets/delete',
  recover: 'Microsoft.KeyVault/vaults/secrets/recover/action',
  purge: 'Microsoft.KeyVault/vaults/secrets/purge/action',
  backup: 'Microsoft.KeyVault/vaults/secrets/backup/action',
  restore: 'Microsoft.KeyVault/vaults/secrets/restore/action',
} as const;

/** The RBAC data actions of the keys data plane (the ones the emulated operations need). */
export const KeyAction = {
  read: 'Microsoft.KeyVault/vaults/keys/read',
  update: 'Microsoft.KeyVault/vaults/keys/update/action',
  sign: 'Microsoft.KeyVault/vaults/keys/sign/action',
  verify: 'Microsoft.KeyVault/vaults/keys/verify/action',
  encrypt: 'Microsoft.KeyVault/vaults/keys/encrypt/action',
  decrypt: 'Microsoft.KeyVault/vaults/keys/decrypt/action',
  wrap: 'Microsoft.KeyVault/vaults/keys/wrap/action',
  unwrap: 'Microsoft.KeyVault/vaults/keys/unwrap/action',
  backup: 'Microsoft.KeyVault/vaults/keys/backup/action',
  create: 'Microsoft.KeyVault/vaults/keys/create/action',
  delete: 'Microsoft.KeyVault/vaults/keys/delete',
} as const;

/** The RBAC data actions of the certificates data plane. */
export const CertificateAction = {
  read: 'Microsoft.KeyVault/vaults/certificates/read',
  create: 'Microsoft.KeyVault/vaults/certificates/create/action',
  update: 'Microsoft.KeyVault/vaults/certificates/update/action',
  import: 'Microsoft.KeyVault/vaults/certificates/import/action',
  delete: 'Microsoft.KeyVault/vaults/certificates/delete',
} as const;

type ValuesOf<T> = T[keyof T];
/** Any data action a route may need. */
export type VaultAction =
  ValuesOf<typeof SecretAction> | ValuesOf<typeof KeyAction> | ValuesOf<typeof CertificateAction>;

const SECRET_ACTIONS: readonly VaultAction[] = Object.values(SecretAction);
const KEY_ACTIONS: readonly VaultAction[] = Object.values(KeyAction);
const CERTIFICATE_ACTIONS: readonly VaultAction[] = Object.values(CertificateAction);

/**
 * Built-in roles and the data actions they grant (from the built-in role definitions). The Certificates Officer
 * creates certificates without any key or secret action: Key Vault makes the certificate's key and secret itself.
 */
const ROLE_ACTIONS: Record<string, readonly VaultAction[]> = {
  'Key Vault Administrator': [...SECRET_ACTIONS, ...KEY_ACTIONS, ...CERTIFICATE_ACTIONS],
  'Key Vault Secrets Officer': SECRET_ACTIONS,
  'Key Vault Secrets User': [SecretAction.getSecret, SecretAction.readMetadata],
  'Key Vault Certificates Officer': CERTIFICATE_ACTIONS,
  'Key Vault Certificate User': [
    CertificateAction.read,
    SecretAction.getSecret,
    SecretAction.readMetadata,
    KeyAction.read,
  ],
  'Key Vault Crypto Officer': KEY_ACTIONS,
  'Key Vault Crypto User': [
    KeyAction.read,
    KeyAction.update,
    KeyAction.backup,
    KeyAction.encrypt,
    KeyAction.decrypt,
    KeyAction.wrap,
    KeyAction.unwrap,
    KeyAction.sign,
    KeyAction.verify,
  ],
  'Key Vault Reader': [SecretAction.readMetadata, KeyAction.read, CertificateAction.read],
};

/** Resource id the RBAC message names; the emulated vault lives in a fixed fake subscription. */
export const VAULT_NAME = 'emulator';
const VAULT_RESOURCE_ID = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-emulator/providers/Microsoft.KeyVault/vaults/${VAULT_NAME}`;

export interface KeyVaultCaller {
  claims: AccessTokenClaims;
  /** Seed name when the token belongs to a seeded principal, else the object id. */
  principal: string;
  roles: readonly string[];
}

/** The challenge every 401 carries: exactly one path segment (the tenant) after the authority host, no spaces in values. */
export function challengeHeader(issuer: TokenIssuer): string {
  return `Bearer authorization="${issuer.authorityHost}/${issuer.seed.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
}

/** Reads claims without checking anything, only to word an error message as the service does. */
function peekClaims(authorization: string): Partial<AccessTokenClaims> {
  try {
    const payload = authorization.trim().split(/\s+/)[1]?.split('.')[1];
    return payload
      ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<AccessTokenClaims>)
      : {};
  } catch {
    return {};
  }
}

/** Why the Entra emulator refused a token → Key Vault's 401 message. */
function tokenMessage(issuer: TokenIssuer, reason: string, authorization: string): string {
  const peeked = peekClaims(authorization);
  if (reason.startsWith('invalid audience'))
    return `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${String(peeked.aud)}.`;
  if (reason === 'invalid issuer')
    return `AKV10032: Invalid issuer. Expected one of ${issuer.issuerV1}, found ${String(peeked.iss)}.`;
  if (reason === 'unknown signing key') return 'AKV10046: Unable to resolve the key used for signature validation.';
  // Wording unverified: the service reports expiry as a token validation failure.
  if (reason === 'token expired') return 'AKV10013: Token validation failed: the token is expired.';
  if (reason === 'token not yet valid') return 'Token not yet valid';
  // Malformed token or bad signature. Wording unverified.
  return 'AKV10011: Token validation failed: the token is malformed or its signature is invalid.';
}

/** The object collection a data action is about (`secrets`, `keys`, `certificates`), as the RBAC message names it. */
function collectionOf(action: VaultAction): string {
  return action.split('/')[2] ?? 'secrets';
}

/**
 * Challenge auth as Key Vault does it (every 401 carries the challenge) and RBAC from the seed's `keyVaultRoles`,
 * checked against the route's data action at vault scope, or on the object the route names.
 */
export function keyVaultAccess(issuer: TokenIssuer): ServiceAccess<KeyVaultCaller, VaultAction> {
  return {
    authenticate(request) {
      const authorization = request.headers.authorization;
      if (!authorization || !/^(Bearer|PoP)\s+\S/i.test(authorization.trim())) {
        throw unauthorized('AKV10000: Request is missing a Bearer or PoP token.', challengeHeader(issuer));
      }
      const check = issuer.check(authorization, KEY_VAULT_RESOURCE);
      if (!check.valid) throw unauthorized(tokenMessage(issuer, check.reason, authorization), challengeHeader(issuer));
      const found = findPrincipal(issuer.seed, { objectId: check.claims.oid });
      return {
        claims: check.claims,
        principal: check.principalName ?? check.claims.oid,
        roles: found?.principal.keyVaultRoles ?? [],
      };
    },
    authorize(caller, action, params) {
      if (caller.roles.some((role) => ROLE_ACTIONS[role]?.includes(action))) return;
      throw forbiddenByRbac({
        appid: caller.claims.appid ?? caller.claims.azp ?? '',
        oid: caller.claims.oid,
        iss: caller.claims.iss,
        action,
        resource:
          params.name === undefined ? VAULT_RESOURCE_ID : `${VAULT_RESOURCE_ID}/${collectionOf(action)}/${params.name}`,
        vaultName: VAULT_NAME,
      });
    },
    principalOf: (caller) => caller.principal,
  };
}
