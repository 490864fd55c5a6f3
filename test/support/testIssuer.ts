import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { exportJWK, generateKeyPair, JWK, JWTPayload, KeyLike, SignJWT } from 'jose';
import { readTlsMaterial } from '../../emulators/host/tls';

/** A signing key of the test issuer: its kid and private key. */
export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

/**
 * A stand-in OpenID provider for token-validation tests: it serves a tenant's OpenID configuration and key set over
 * HTTPS (with the run's CA), counts what it serves, and signs any token a test asks for, so every check of a
 * validator can be failed on its own while the signature stays valid.
 */
export interface TestIssuer {
  readonly authorityHost: string;
  readonly tenantId: string;
  /** The API's client id and identifier URI the tokens are for. */
  readonly clientId: string;
  readonly identifierUri: string;
  readonly issuerV2: string;
  readonly issuerV1: string;
  /** The key the key set holds first. */
  readonly key: SigningKey;
  /** How often the OpenID configuration and the key set were fetched. */
  readonly fetches: { discovery: number; jwks: number };
  /** When set, the OpenID configuration (or the key set) answers 503. */
  failing: { discovery: boolean; jwks: boolean };
  /** App settings that point the API at this issuer. */
  settings(): Record<string, string>;
  /** A new key; when `publish` (default) the key set serves it from now on. */
  newKey(publish?: boolean): Promise<SigningKey>;
  /** Claims of a valid v2 app-only token for the API, for a test to change. */
  appClaims(overrides?: JWTPayload): JWTPayload;
  /** Signs `claims` RS256 with `key` (default: the published one) under `header` overrides. */
  sign(claims: JWTPayload, options?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
}

async function makeKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID().replace(/-/g, '');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', kty: 'RSA' } };
}

/** Starts a {@link TestIssuer} for the enclosing describe block (free port) and stops it afterwards. */
export function useTestIssuer(): () => TestIssuer {
  let server: Server | undefined;
  let issuer: TestIssuer | undefined;
  beforeAll(async () => {
    const stateDir = process.env.EMULATOR_STATE_DIR;
    if (!stateDir) throw new Error('EMULATOR_STATE_DIR is not set; run tests with `npm test`.');
    const tls = readTlsMaterial(resolve(stateDir, 'tls'));
    const tenantId = randomUUID();
    const clientId = randomUUID();
    const published: SigningKey[] = [await makeKey()];
    const fetches = { discovery: 0, jwks: 0 };
    const failing = { discovery: false, jwks: false };
    server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem }, (req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
        fetches.discovery++;
        if (failing.discovery) return answer(503, { error: 'temporarily_unavailable' });
        return answer(200, {
          issuer: `${host}/${tenantId}/v2.0`,
          jwks_uri: `${host}/${tenantId}/discovery/v2.0/keys`,
          token_endpoint: `${host}/${tenantId}/oauth2/v2.0/token`,
          authorization_endpoint: `${host}/${tenantId}/oauth2/v2.0/authorize`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (path === `/${tenantId}/discovery/v2.0/keys`) {
        fetches.jwks++;
        if (failing.jwks) return answer(503, { error: 'temporarily_unavailable' });
        return answer(200, { keys: published.map((k) => k.publicJwk) });
      }
      return answer(404, { error: 'not_found' });
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const host = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const identifierUri = `api://${tenantId}/entra-app-vending`;
    const issuerV2 = `${host}/${tenantId}/v2.0`;
    const key = published[0]!;
    issuer = {
      authorityHost: host,
      tenantId,
      clientId,
      identifierUri,
      issuerV2,
      issuerV1: `https://sts.windows.net/${tenantId}/`,
      key,
      fetches,
      failing,
      settings: () => ({
        API_AUDIENCE: clientId,
        API_TENANT_ID: tenantId,
        API_IDENTIFIER_URI: identifierUri,
        ENTRA_AUTHORITY_HOST: host,
      }),
      async newKey(publish = true) {
        const made = await makeKey();
        if (publish) published.push(made);
        return made;
      },
      appClaims(overrides = {}) {
        const now = Math.floor(Date.now() / 1000);
        const oid = randomUUID();
        return {
          aud: clientId,
          iss: issuerV2,
          iat: now,
          nbf: now,
          exp: now + 3600,
          tid: tenantId,
          oid,
          sub: oid,
          azp: randomUUID(),
          azpacr: '1',
          idtyp: 'app',
          roles: ['Secret.Create'],
          ver: '2.0',
          ...overrides,
        };
      },
      async sign(claims, options = {}) {
        const signingKey = options.key ?? key;
        return new SignJWT(claims)
          .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: signingKey.kid, ...options.header })
          .sign(signingKey.privateKey);
      },
    };
  });
  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((done) => server!.close(() => done()));
    }
  });
  return () => {
    if (!issuer) throw new Error('the test issuer is not started yet (use inside a test or hook)');
    return issuer;
  };
}
