import { AccessTokenClaims, KEY_VAULT_RESOURCE, TokenIssuer } from '../entra/tokenIssuer';
import { ServiceResponse } from '../host/serviceHost';
import { findPrincipal } from '../seed';
import { forbiddenByRbac, keyVaultError } from './keyVaultErrors';

/** The RBAC data actions of the secrets data plane. */
export const SecretAction = {
  getSecret: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  setSecret: 'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  readMetadata: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  update: 'Microsoft.KeyVault/vaults/secrets/update/action',
  delete: 'Microsoft.KeyVault/vaults/secrets/delete',
  recover: 'Microsoft.KeyVault/vaults/secrets/recover/action',
  purge: 'Microsoft.KeyVault/vaults/secrets/purge/action',
} as const;
export type SecretActionName = (typeof SecretAction)[keyof typeof SecretAction];

const ALL_SECRET_ACTIONS: readonly SecretActionName[] = Object.values(SecretAction);

/** Built-in roles and the secret data actions they grant (from the built-in role definitions). */
const ROLE_ACTIONS: Record<string, readonly SecretActionName[]> = {
  'Key Vault Administrator': ALL_SECRET_ACTIONS,
  'Key Vault Secrets Officer': ALL_SECRET_ACTIONS,
  'Key Vault Secrets User': [SecretAction.getSecret, SecretAction.readMetadata],
  'Key Vault Reader': [SecretAction.readMetadata],
};

/** Resource id the RBAC message names; the emulated vault lives in a fixed fake subscription. */
export const VAULT_NAME = 'emulator';
const VAULT_RESOURCE_ID = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-emulator/providers/Microsoft.KeyVault/vaults/${VAULT_NAME}`;

export interface Caller {
  claims: AccessTokenClaims;
  /** Seed name when the token belongs to a seeded principal, else the object id. */
  principal: string;
  roles: readonly string[];
}

export type Authentication = { ok: true; caller: Caller } | { ok: false; response: ServiceResponse };

/** The challenge every 401 carries: exactly one path segment (the tenant) after the authority host, no spaces in values. */
export function challengeHeader(issuer: TokenIssuer): string {
  return `Bearer authorization="${issuer.authorityHost}/${issuer.seed.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
}

function unauthorized(issuer: TokenIssuer, message: string): ServiceResponse {
  const response = keyVaultError(401, 'Unauthorized', message);
  return { ...response, headers: { 'www-authenticate': challengeHeader(issuer) } };
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

/** Validates the bearer token as Key Vault does and resolves the caller's vault roles from the seed. */
export function authenticate(issuer: TokenIssuer, authorization: string | undefined): Authentication {
  if (!authorization || !/^(Bearer|PoP)\s+\S/i.test(authorization.trim())) {
    return { ok: false, response: unauthorized(issuer, 'AKV10000: Request is missing a Bearer or PoP token.') };
  }
  const check = issuer.check(authorization, KEY_VAULT_RESOURCE);
  if (!check.valid) {
    const peeked = peekClaims(authorization);
    let message: string;
    if (check.reason.startsWith('invalid audience')) {
      message = `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${String(peeked.aud)}.`;
    } else if (check.reason === 'invalid issuer') {
      message = `AKV10032: Invalid issuer. Expected one of ${issuer.issuerV1}, found ${String(peeked.iss)}.`;
    } else if (check.reason === 'unknown signing key') {
      message = 'AKV10046: Unable to resolve the key used for signature validation.';
    } else if (check.reason === 'token expired') {
      // Wording unverified: the service reports expiry as a token validation failure.
      message = 'AKV10013: Token validation failed: the token is expired.';
    } else if (check.reason === 'token not yet valid') {
      message = 'Token not yet valid';
    } else {
      // Malformed token or bad signature. Wording unverified.
      message = 'AKV10011: Token validation failed: the token is malformed or its signature is invalid.';
    }
    return { ok: false, response: unauthorized(issuer, message) };
  }
  const found = findPrincipal(issuer.seed, { objectId: check.claims.oid });
  return {
    ok: true,
    caller: {
      claims: check.claims,
      principal: check.principalName ?? check.claims.oid,
      roles: found?.principal.keyVaultRoles ?? [],
    },
  };
}

/** `undefined` when a role grants the action; otherwise the 403 Key Vault sends. `secretName` undefined = vault scope. */
export function authorize(
  caller: Caller,
  action: SecretActionName,
  secretName: string | undefined,
): ServiceResponse | undefined {
  const granted = caller.roles.some((role) => ROLE_ACTIONS[role]?.includes(action));
  if (granted) return undefined;
  return forbiddenByRbac({
    appid: caller.claims.appid ?? caller.claims.azp ?? '',
    oid: caller.claims.oid,
    iss: caller.claims.iss,
    action,
    resource: secretName === undefined ? VAULT_RESOURCE_ID : `${VAULT_RESOURCE_ID}/secrets/${secretName}`,
    vaultName: VAULT_NAME,
  });
}
