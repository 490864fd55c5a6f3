import { createHash, createPublicKey, generateKeyPairSync, KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { findPrincipal, groupsOf, Seed, SeedPrincipal, SeedUser, userApiRoles } from '../seed';
import type { AppDirectory } from './registeredApps';

/** Resources the emulated tenant knows, by the audience their tokens carry. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
/** Azure Storage (tables, queues, blobs) by identity: Azurite in OAuth mode accepts these v1.0 tokens. */
export const STORAGE_RESOURCE = 'https://storage.azure.com';

/** Claims of an access token issued by the emulator, shaped like Entra's. */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  oid: string;
  sub: string;
  appid?: string;
  azp?: string;
  /** Only app-only tokens carry it here (the API asks for the optional claim); user tokens are told by `scp`. */
  idtyp?: 'app';
  /** How the client authenticated: 0 public, 1 secret. */
  azpacr?: '0' | '1';
  roles?: string[];
  /** Delegated scopes, space-separated (user tokens). */
  scp?: string;
  /** Object ids of the user's security groups (user tokens; the API asks for `groupMembershipClaims`). */
  groups?: string[];
  name?: string;
  preferred_username?: string;
  ver: '1.0' | '2.0';
  uti: string;
}

/** What a user token is for: the resource and the delegated scopes granted on it. */
export interface UserTokenRequest {
  user: SeedUser;
  client: SeedPrincipal;
  /** The client proved itself with a secret (azpacr 1), or is a public client (0). */
  confidential: boolean;
  resource: TokenResource;
  scopes: string[];
  lifetimeSeconds: number;
}

/** A resource a token may be for: its audience and the token version it gets. */
export interface TokenResource {
  audience: string;
  version: '1.0' | '2.0';
}

/** Why a token was refused, in words a resource server would log. */
export type TokenCheck =
  { valid: true; claims: AccessTokenClaims; principalName: string | undefined } | { valid: false; reason: string };

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * Mints and checks RS256 access tokens for the emulated tenant.
 * Graph, Key Vault and Storage get v1.0 tokens (`iss` = `https://sts.windows.net/{tid}/`), as Entra issues for those resources;
 * the vending API gets v2.0 tokens (`iss` = `{authority}/{tid}/v2.0`), because its app asks for `requestedAccessTokenVersion: 2`.
 */
export class TokenIssuer {
  readonly keyId = randomUUID().replace(/-/g, '');
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** Set once the Entra listener knows its origin. */
  authorityHost = '';
  /** Apps created through the Graph emulator, which may sign in with their own credentials; set once Graph runs. */
  registeredApps: AppDirectory | undefined;

  constructor(readonly seed: Seed) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = createPublicKey(pair.privateKey);
  }

  /** v2.0 issuer of this tenant, as the OpenID discovery document states it. */
  get issuerV2(): string {
    return `${this.authorityHost}/${this.seed.tenantId}/v2.0`;
  }

  get issuerV1(): string {
    return `https://sts.windows.net/${this.seed.tenantId}/`;
  }

  /** The JWKS document with the one signing key. */
  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return {
      keys: [{ kty: 'RSA', use: 'sig', kid: this.keyId, x5t: this.keyId, n: jwk.n, e: jwk.e, issuer: this.issuerV2 }],
    };
  }

  /** Which resource (audience) a requested resource/scope string names, or undefined if the tenant has no such resource. */
  resolveResource(resource: string): TokenResource | undefined {
    const trimmed = resource.replace(/\/$/, '');
    if (trimmed === GRAPH_RESOURCE) return { audience: GRAPH_RESOURCE, version: '1.0' };
    if (trimmed === KEY_VAULT_RESOURCE) return { audience: KEY_VAULT_RESOURCE, version: '1.0' };
    if (trimmed === STORAGE_RESOURCE) return { audience: STORAGE_RESOURCE, version: '1.0' };
    const api = this.seed.vendingApi;
    if (trimmed === api.identifierUri || trimmed.toLowerCase() === api.appId.toLowerCase()) {
      return { audience: api.appId, version: '2.0' };
    }
    return undefined;
  }

  /** The roles a principal holds on a resource. */
  rolesFor(principal: SeedPrincipal, audience: string): string[] {
    if (audience === GRAPH_RESOURCE) return principal.graphRoles;
    if (audience === this.seed.vendingApi.appId) return principal.apiRoles;
    return [];
  }

  /** A signed RS256 JWT of `claims` under this issuer's key. */
  private sign(claims: object): string {
    const header = { typ: 'JWT', alg: 'RS256', kid: this.keyId, x5t: this.keyId };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('RSA-SHA256', Buffer.from(signingInput), this.privateKey);
    return `${signingInput}.${base64url(signature)}`;
  }

  /** `sub` is pairwise: the same user has a different subject for each client, as Entra makes it. */
  private pairwiseSubject(user: SeedUser, clientId: string): string {
    return createHash('sha256').update(`${user.objectId}|${clientId}`).digest('base64url').slice(0, 43);
  }

  /**
   * A v2.0 access token for a user signed in through `client` (delegated): `scp`, the user's app roles on the vending
   * API (assigned to the user or one of its groups), its groups, `name` and `preferred_username`; no `idtyp`.
   */
  issueForUser(request: UserTokenRequest): string {
    const { user, client, resource } = request;
    const now = Math.floor(Date.now() / 1000);
    const onApi = resource.audience === this.seed.vendingApi.appId;
    const roles = onApi ? userApiRoles(this.seed, user) : [];
    const groups = onApi ? groupsOf(this.seed, user).map((g) => g.objectId) : [];
    const claims: AccessTokenClaims = {
      aud: resource.audience,
      iss: this.issuerV2,
      iat: now,
      nbf: now,
      exp: now + request.lifetimeSeconds,
      tid: this.seed.tenantId,
      oid: user.objectId,
      sub: this.pairwiseSubject(user, client.clientId),
      azp: client.clientId,
      azpacr: request.confidential ? '1' : '0',
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      scp: request.scopes.join(' '),
      ...(roles.length > 0 ? { roles } : {}),
      ...(groups.length > 0 ? { groups } : {}),
      ver: '2.0',
      uti: randomUUID(),
    };
    return this.sign(claims);
  }

  /** The ID token of a user's sign-in to `client` (for MSAL's account; nothing checks it). */
  idToken(user: SeedUser, client: SeedPrincipal, lifetimeSeconds: number): string {
    const now = Math.floor(Date.now() / 1000);
    return this.sign({
      aud: client.clientId,
      iss: this.issuerV2,
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      name: user.displayName,
      oid: user.objectId,
      preferred_username: user.userPrincipalName,
      sub: this.pairwiseSubject(user, client.clientId),
      tid: this.seed.tenantId,
      ver: '2.0',
    });
  }

  /** Issues a signed access token for a seeded principal and a resolved audience. */
  issue(principal: SeedPrincipal, resource: TokenResource, lifetimeSeconds: number): string {
    const now = Math.floor(Date.now() / 1000);
    const roles = this.rolesFor(principal, resource.audience);
    const claims: AccessTokenClaims = {
      aud: resource.audience,
      iss: resource.version === '2.0' ? this.issuerV2 : this.issuerV1,
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      tid: this.seed.tenantId,
      oid: principal.objectId,
      sub: principal.objectId,
      ...(resource.version === '2.0' ? { azp: principal.clientId } : { appid: principal.clientId }),
      idtyp: 'app',
      ...(roles.length > 0 ? { roles } : {}),
      ver: resource.version,
      uti: randomUUID(),
    };
    return this.sign(claims);
  }

  /** Checks an `Authorization` header value as a resource server does: scheme, signature, issuer, audience, lifetime. */
  check(authorization: string | undefined, expectedAudience: string): TokenCheck {
    if (!authorization) return { valid: false, reason: 'missing token' };
    const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization.trim());
    if (!match) return { valid: false, reason: 'not a bearer JWT' };
    const [, headerPart, payloadPart, signaturePart] = match as unknown as [string, string, string, string];
    let header: { alg?: string; kid?: string };
    let claims: AccessTokenClaims;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return { valid: false, reason: 'token is not valid JSON' };
    }
    if (header.alg !== 'RS256' || header.kid !== this.keyId) return { valid: false, reason: 'unknown signing key' };
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      this.publicKey,
      Buffer.from(signaturePart, 'base64url'),
    );
    if (!signed) return { valid: false, reason: 'bad signature' };
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { valid: false, reason: 'token expired' };
    if (typeof claims.nbf === 'number' && claims.nbf > now + 300)
      return { valid: false, reason: 'token not yet valid' };
    if (claims.aud !== expectedAudience) return { valid: false, reason: `invalid audience '${claims.aud}'` };
    if (claims.tid !== this.seed.tenantId || (claims.iss !== this.issuerV1 && claims.iss !== this.issuerV2)) {
      return { valid: false, reason: 'invalid issuer' };
    }
    const found = findPrincipal(this.seed, { objectId: claims.oid });
    return { valid: true, claims, principalName: found?.name };
  }
}
