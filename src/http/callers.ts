import { HttpRequest } from '@azure/functions';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  JWTPayload,
  jwtVerify,
  JWTVerifyGetKey,
} from 'jose';
import { API_DELEGATED_SCOPE, ApiAuthenticationConfig } from '../config';
import { ForbiddenError, TokenDiagnostics, UnauthenticatedError, UpstreamUnavailableError } from '../vending/errors';
import { AppRole } from '../vending/ownership';
import { Caller, CallerOnRecord } from '../vending/ports';
import { isGuid } from '../vending/units';

/**
 * Who is calling, decided in one place: the `Authorization: Bearer` access token is validated with jose against the
 * tenant's signing keys (found through its OpenID configuration), and its claims become a {@link Caller}. Nothing
 * else identifies a caller: headers a proxy may add (`x-ms-client-principal*`) are never read, because anyone can
 * send them when the platform's authentication is off.
 */
export interface CallerAuthenticator {
  /**
   * The caller of `request`. Throws {@link UnauthenticatedError} (401) for a missing or invalid token, and
   * {@link UpstreamUnavailableError} (503) when the tenant's signing keys cannot be fetched: never a guess.
   */
  authenticate(request: HttpRequest): Promise<Caller>;
  /** {@link authenticate}, with the name the token gives the caller, for the audit record. */
  identify(request: HttpRequest): Promise<IdentifiedCaller>;
}

/** An authenticated caller and what the audit record calls it. */
export interface IdentifiedCaller {
  caller: Caller;
  /**
   * The UPN of a user (v2 `preferred_username`, v1 `upn`), else a display name (`name`, or an app's optional
   * `app_displayname`), when the token carries one. For the record only: no decision is made on it.
   */
  name?: string;
}

/** Tuning of {@link createCallerAuthenticator}; the defaults suit production. */
export interface CallerAuthenticatorOptions {
  /** Allowed clock skew for `exp` and `nbf`, in seconds. Default 60. */
  clockToleranceSeconds?: number;
  /** After a key-set fetch, how long an unknown `kid` is refused without fetching again, in ms. Default 60 000. */
  jwksCooldownMs?: number;
  /** How long fetched signing keys are used before they are fetched again, in ms. Default 1 hour. */
  jwksMaxAgeMs?: number;
  /** How long the OpenID configuration (the key set's address) is kept, in ms. Default 24 hours. */
  discoveryMaxAgeMs?: number;
  /** Timeout of each fetch of the OpenID configuration or the key set, in ms. Default 5 000. */
  fetchTimeoutMs?: number;
  /** The current time; jose checks `exp`/`nbf` against it. */
  clock?: () => Date;
}

/** Entra signs access tokens with RS256; any other `alg` (`none` included) is refused before a key is looked up. */
const ALGORITHMS = ['RS256'];
/** Real Entra tokens are a few KB; a longer header is refused unparsed. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;
const REFUSAL = 'Send a valid Microsoft Entra access token for this API in the Authorization header (Bearer).';

/** The signing keys could not be fetched: the token may be fine, we cannot tell. */
class KeySourceUnavailable extends Error {}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Truncated, for the log: `iss` and `aud` of a refused token are whatever its sender wrote. */
function loggable(value: unknown): string | undefined {
  const text = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : undefined;
  return text === undefined ? undefined : text.slice(0, 200);
}

/** What may be logged of a refused token: its kid, iss and aud (decoded, unverified), never the token. */
function diagnose(reason: string, token: string | undefined): TokenDiagnostics {
  const diagnostics: TokenDiagnostics = { reason };
  if (token === undefined) return diagnostics;
  try {
    const kid = loggable(decodeProtectedHeader(token).kid);
    if (kid !== undefined) diagnostics.kid = kid;
  } catch {
    // Not decodable: the reason says enough.
  }
  try {
    const claims = decodeJwt(token);
    const iss = loggable(claims.iss);
    const aud = loggable(claims.aud);
    if (iss !== undefined) diagnostics.iss = iss;
    if (aud !== undefined) diagnostics.aud = aud;
  } catch {
    // Idem.
  }
  return diagnostics;
}

/** Which check a jose error stands for, in words for the log. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'ambiguous signing key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  if (error instanceof errors.JOSEError) return error.code;
  return 'invalid';
}

/** The `WWW-Authenticate` challenge: where to get a token (authorization_uri) and for which resource. */
export function bearerChallenge(config: ApiAuthenticationConfig, invalidToken: boolean): string {
  const parts = [
    `authorization_uri="${config.authorityHost}/${config.tenantId}/oauth2/v2.0/authorize"`,
    `resource_id="${config.identifierUri ?? config.clientId}"`,
  ];
  // RFC 6750 §3.1: no error code when the request carried no token at all.
  if (invalidToken) parts.push('error="invalid_token"');
  return `Bearer ${parts.join(', ')}`;
}

/** The caller a verified token names. Throws (as a refusal) if it lacks what every Entra access token carries. */
function callerFrom(claims: JWTPayload, config: ApiAuthenticationConfig): Caller | string {
  const tenant = stringClaim(claims.tid);
  if (tenant?.toLowerCase() !== config.tenantId) return 'claim tid is not the configured tenant';
  const oid = stringClaim(claims.oid);
  if (oid === undefined || !isGuid(oid)) return 'claim oid missing';
  const scopes = (stringClaim(claims.scp) ?? '').split(' ').filter(Boolean);
  const idtyp = stringClaim(claims.idtyp);
  // idtyp is an optional claim; without it, a delegated token is the one with scopes.
  const kind = idtyp === 'app' || idtyp === 'user' ? idtyp : scopes.length > 0 ? 'user' : 'app';
  // With too many groups Entra sends an overage pointer instead of the list; group ownership then does not apply.
  const overage = typeof claims._claim_names === 'object' && claims._claim_names !== null;
  return {
    id: oid.toLowerCase(),
    kind,
    clientAppId: stringClaim(claims.azp) ?? stringClaim(claims.appid),
    roles: stringList(claims.roles),
    groups: overage ? [] : stringList(claims.groups).map((g) => g.toLowerCase()),
    scopes,
  };
}

/** Longest name kept for the record; Entra's UPNs and display names are far shorter. */
const MAX_NAME_LENGTH = 256;

/** The caller's name for the record (see {@link IdentifiedCaller.name}). */
function nameOf(claims: JWTPayload): string | undefined {
  const name =
    stringClaim(claims.preferred_username) ??
    stringClaim(claims.upn) ??
    stringClaim(claims.name) ??
    stringClaim(claims.app_displayname);
  const trimmed = name?.trim().slice(0, MAX_NAME_LENGTH);
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The signing keys of the tenant: the OpenID configuration names the key set, jose fetches and caches it. A token
 * whose `kid` is not in the cached set makes jose fetch the set once more, unless it did so within the cooldown;
 * a `kid` still unknown is refused.
 */
function tenantSigningKeys(
  config: ApiAuthenticationConfig,
  options: Required<Omit<CallerAuthenticatorOptions, 'clock' | 'clockToleranceSeconds'>>,
): JWTVerifyGetKey {
  let discovered: { at: number; jwksUri: string; keys: JWTVerifyGetKey } | undefined;
  let pending: Promise<JWTVerifyGetKey> | undefined;

  async function discover(): Promise<JWTVerifyGetKey> {
    const response = await fetch(config.openIdConfigurationUrl, {
      signal: AbortSignal.timeout(options.fetchTimeoutMs),
    });
    if (!response.ok) throw new KeySourceUnavailable(`OpenID configuration answered ${response.status}`);
    const document = (await response.json()) as { jwks_uri?: unknown };
    const jwksUri = document.jwks_uri;
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri) || new URL(jwksUri).protocol !== 'https:') {
      throw new KeySourceUnavailable('OpenID configuration has no https jwks_uri');
    }
    const keys =
      discovered?.jwksUri === jwksUri
        ? discovered.keys
        : createRemoteJWKSet(new URL(jwksUri), {
            cooldownDuration: options.jwksCooldownMs,
            cacheMaxAge: options.jwksMaxAgeMs,
            timeoutDuration: options.fetchTimeoutMs,
          });
    discovered = { at: Date.now(), jwksUri, keys };
    return keys;
  }

  function currentKeys(): Promise<JWTVerifyGetKey> {
    if (discovered && Date.now() - discovered.at < options.discoveryMaxAgeMs) return Promise.resolve(discovered.keys);
    // One discovery at a time; a failed one is forgotten so the next request tries again.
    pending ??= discover().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return async (header, token) => {
    let keys: JWTVerifyGetKey;
    try {
      keys = await currentKeys();
    } catch (error) {
      throw error instanceof KeySourceUnavailable
        ? error
        : new KeySourceUnavailable('OpenID configuration fetch failed');
    }
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySourceUnavailable('signing key set fetch failed');
    }
  };
}

/** Validates callers' bearer tokens for the API `config` describes. Build once per process: it caches the keys. */
export function createCallerAuthenticator(
  config: ApiAuthenticationConfig,
  options: CallerAuthenticatorOptions = {},
): CallerAuthenticator {
  const clock = options.clock ?? (() => new Date());
  const keys = tenantSigningKeys(config, {
    jwksCooldownMs: options.jwksCooldownMs ?? 60_000,
    jwksMaxAgeMs: options.jwksMaxAgeMs ?? 3_600_000,
    discoveryMaxAgeMs: options.discoveryMaxAgeMs ?? 86_400_000,
    fetchTimeoutMs: options.fetchTimeoutMs ?? 5_000,
  });
  /** A refusal; `token` is what was presented (undefined when nothing was), for the challenge and the log. */
  const refuse = (reason: string, token?: string): UnauthenticatedError =>
    new UnauthenticatedError(
      REFUSAL,
      bearerChallenge(config, token !== undefined),
      diagnose(reason, token === undefined || token.length > MAX_TOKEN_LENGTH ? undefined : token),
    );

  async function identify(request: HttpRequest): Promise<IdentifiedCaller> {
    const header = request.headers.get('authorization');
    if (header === null || header.trim() === '') throw refuse('no token');
    if (header.length > MAX_TOKEN_LENGTH) throw refuse('token too long', header);
    const token = BEARER.exec(header.trim())?.[1];
    if (token === undefined) throw refuse('not a bearer JWT', header);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS,
        issuer: [...config.issuers],
        audience: [...config.audiences],
        clockTolerance: options.clockToleranceSeconds ?? 60,
        currentDate: clock(),
        requiredClaims: ['exp', 'tid', 'oid'],
      }));
    } catch (error) {
      if (error instanceof KeySourceUnavailable) {
        throw new UpstreamUnavailableError(
          'Caller tokens cannot be checked right now (the tenant’s signing keys are unreachable); retry later.',
          503,
          30,
          'entra',
        );
      }
      throw refuse(reasonOf(error), token);
    }
    const caller = callerFrom(claims, config);
    if (typeof caller === 'string') throw refuse(caller, token);
    const name = nameOf(claims);
    return name === undefined ? { caller } : { caller, name };
  }

  return {
    identify,
    async authenticate(request) {
      return (await identify(request)).caller;
    },
  };
}

/**
 * Lets the caller through if it holds one of `roles`; a user (delegated token) must also carry the API's scope, which
 * says the user let this client call the API for them. Throws {@link ForbiddenError} (403) otherwise.
 */
export function authorize(caller: Caller, roles: readonly AppRole[]): void {
  if (!roles.some((role) => caller.roles.includes(role))) {
    throw new ForbiddenError(`This operation needs one of the app roles ${roles.join(', ')} on this API.`);
  }
  if (caller.kind === 'user' && !caller.scopes.includes(API_DELEGATED_SCOPE)) {
    throw new ForbiddenError(`A token acting for a user must carry this API's ${API_DELEGATED_SCOPE} scope.`);
  }
}

/**
 * The caller as the audit ledger records it: its object id, client app id and name, and the roles it was let in with
 * (those it holds among the route's `roles`). Nothing of the token itself.
 */
export function callerOnRecord({ caller, name }: IdentifiedCaller, roles: readonly AppRole[]): CallerOnRecord {
  return {
    id: caller.id,
    ...(caller.clientAppId !== undefined ? { appId: caller.clientAppId } : {}),
    ...(name !== undefined ? { name } : {}),
    roles: caller.roles.filter((role) => (roles as readonly string[]).includes(role)),
  };
}
