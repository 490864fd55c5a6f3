import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import { SeedPrincipal } from '../seed';
import { aadError } from './entraErrors';

/** A password credential as sign-in sees it: its window and the hash of its secret (none if planted without one). */
export interface SignInPassword {
  startDateTime: string;
  endDateTime: string;
  secretHash?: string | null;
}

/** A key credential as sign-in sees it: its window and the public certificate (base64 DER). */
export interface SignInKey {
  startDateTime: string;
  endDateTime: string;
  key: string;
}

/** An app registered through Graph, with what signing in as it needs. */
export interface RegisteredApplication {
  appId: string;
  displayName: string;
  /** Its service principal's object id: the `oid` of its tokens. Undefined while it has none. */
  servicePrincipalId: string | undefined;
  passwordCredentials: readonly SignInPassword[];
  keyCredentials: readonly SignInKey[];
}

/** Where Entra finds apps created through Graph (the Graph emulator's state), on Graph's clock. */
export interface AppDirectory {
  application(appId: string): RegisteredApplication | undefined;
  /** The directory's clock (ms since epoch): credential windows are judged by it. */
  now(): number;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CERTIFICATE_DOCS =
  'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .';

function invalidClient(aadsts: number, description: string) {
  return aadError(401, 'invalid_client', aadsts, description);
}

function within(
  credential: { startDateTime: string; endDateTime: string },
  now: number,
): 'valid' | 'expired' | 'early' {
  if (Date.parse(credential.endDateTime) <= now) return 'expired';
  if (Date.parse(credential.startDateTime) > now) return 'early';
  return 'valid';
}

/** `client_secret`: a secret of one of the app's password credentials, within its window. */
function checkSecret(app: RegisteredApplication, secret: string, now: number): void {
  const hash = createHash('sha256').update(secret, 'utf8').digest('hex');
  const matching = app.passwordCredentials.filter((p) => p.secretHash === hash);
  if (matching.some((p) => within(p, now) === 'valid')) return;
  if (matching.some((p) => within(p, now) === 'expired')) {
    throw invalidClient(
      7000222,
      `The provided client secret keys for app '${app.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
  throw invalidClient(
    7000215,
    'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
  );
}

interface Assertion {
  header: { alg?: unknown; x5t?: unknown; 'x5t#S256'?: unknown };
  claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown; nbf?: unknown };
  signingInput: Buffer;
  signature: Buffer;
}

function parseAssertion(jwt: string): Assertion {
  const parts = jwt.split('.');
  try {
    if (parts.length !== 3) throw new Error('not a JWS');
    const [header, claims, signature] = parts as [string, string, string];
    return {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Assertion['header'],
      claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Assertion['claims'],
      signingInput: Buffer.from(`${header}.${claims}`),
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    throw aadError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  }
}

function isoSeconds(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : '1970-01-01T00:00:00.000Z';
}

function foundKey(key: SignInKey): string {
  return `Found key 'Start=${key.startDateTime}, End=${key.endDateTime}'`;
}

/**
 * `client_assertion` (jwt-bearer): a JWT whose `x5t` (SHA-1) or `x5t#S256` header names one of the app's key
 * credentials, signed RS256 or PS256 with its private key, `iss` = `sub` = the client id, `aud` one of the token
 * endpoint's URLs, and now within `nbf`..`exp`.
 */
function checkAssertion(app: RegisteredApplication, jwt: string, audiences: readonly string[], now: number): void {
  const { header, claims, signingInput, signature } = parseAssertion(jwt);
  const sha1 = typeof header.x5t === 'string' ? header.x5t : undefined;
  const sha256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  if (!sha1 && !sha256) {
    throw aadError(
      400,
      'invalid_request',
      50027,
      'Invalid JWT token. No certificate thumbprint specified in token header.',
    );
  }
  if (claims.iss !== app.appId || claims.sub !== app.appId) {
    throw invalidClient(
      700021,
      `Client assertion application identifier doesn't match 'client_id' parameter. ${CERTIFICATE_DOCS}`,
    );
  }
  if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) {
    throw invalidClient(700023, 'Client assertion audience claim does not match Realm issuer.');
  }
  // The assertion's own times are judged by Entra's clock; the credential's window by the directory's.
  const nowSeconds = Date.now() / 1000;
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
  if (exp <= nowSeconds || nbf > nowSeconds + 300) {
    throw invalidClient(
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, assertion valid from ${isoSeconds(claims.nbf)}, expiry time of assertion ${isoSeconds(claims.exp)}. ${CERTIFICATE_DOCS}`,
    );
  }
  const thumbprint = Buffer.from((sha1 ?? sha256)!, 'base64url')
    .toString('hex')
    .toUpperCase();
  const used = `Thumbprint of key used by client: '${thumbprint}'`;
  const key = app.keyCredentials.find((k) => {
    const der = Buffer.from(k.key, 'base64');
    return sha1
      ? createHash('sha1').update(der).digest('base64url') === sha1
      : createHash('sha256').update(der).digest('base64url') === sha256;
  });
  if (!key) {
    throw invalidClient(
      700027,
      `Client assertion failed signature validation. [Reason - The key was not found., ${used}, Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.appId}'.]`,
    );
  }
  const window = within(key, now);
  if (window !== 'valid') {
    const reason = window === 'expired' ? 'The key used is expired.' : 'The key is not yet valid.';
    throw invalidClient(
      700027,
      `Client assertion failed signature validation. [Reason - ${reason}, ${used}, ${foundKey(key)}]`,
    );
  }
  const publicKey = new X509Certificate(Buffer.from(key.key, 'base64')).publicKey;
  const options =
    header.alg === 'PS256'
      ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : { key: publicKey };
  const signed =
    (header.alg === 'RS256' || header.alg === 'PS256') && verify('sha256', signingInput, options, signature);
  if (!signed) {
    throw invalidClient(
      700027,
      `Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., ${used}, ${foundKey(key)}]`,
    );
  }
}

/**
 * Authenticates an app created through Graph with the client credentials of the token request: `client_secret`, or
 * a `client_assertion` of type jwt-bearer. `audiences` are the token endpoint URLs an assertion may name. The app
 * signs in as its service principal, holding no roles: what it may do is what was granted to it (nothing here).
 */
export function authenticateRegisteredApp(
  form: URLSearchParams,
  app: RegisteredApplication,
  context: { audiences: readonly string[]; now: number; tenantId: string },
): SeedPrincipal {
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (assertion && form.get('client_assertion_type') === JWT_BEARER) {
    checkAssertion(app, assertion, context.audiences, context.now);
  } else if (secret) {
    checkSecret(app, secret, context.now);
  } else {
    throw invalidClient(
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  }
  if (!app.servicePrincipalId) {
    throw aadError(
      400,
      'invalid_client',
      7000229,
      `The client application ${app.appId} is missing service principal in the tenant ${context.tenantId}.`,
    );
  }
  return {
    kind: 'application',
    displayName: app.displayName,
    clientId: app.appId,
    objectId: app.servicePrincipalId,
    graphRoles: [],
    keyVaultRoles: [],
    apiRoles: [],
  };
}
