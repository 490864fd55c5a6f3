/** What the examples share: the sandbox's endpoints, a seeded principal's credential, and a token told safely. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { EmulatorEndpoints } from '../emulators/index';

/** `.sandbox/endpoints.json`, written by `npm run sandbox`. */
export function sandboxEndpoints(): EmulatorEndpoints {
  return JSON.parse(readFileSync(resolve(__dirname, '..', '.sandbox', 'endpoints.json'), 'utf8')) as EmulatorEndpoints;
}

/** Where a credential signs in: the emulated Entra, with no instance discovery (it would try the internet). */
export function authorityOptions(endpoints: EmulatorEndpoints) {
  return { authorityHost: endpoints.entra.authorityHost, disableInstanceDiscovery: true };
}

/** ClientSecretCredential for a seeded principal (`operator`, `workload`, …). */
export function seededCredential(endpoints: EmulatorEndpoints, name: string): ClientSecretCredential {
  const principal = endpoints.principals[name];
  if (!principal?.clientSecret) throw new Error(`the sandbox has no principal ${name} with a secret`);
  return new ClientSecretCredential(
    endpoints.tenantId,
    principal.clientId,
    principal.clientSecret,
    authorityOptions(endpoints),
  );
}

/** A token's identifying claims, never the token itself. */
export function describeToken(accessToken: string, expiresOnTimestamp: number): string {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  const shown = { aud: claims.aud, appid: claims.appid, oid: claims.oid, tid: claims.tid, roles: claims.roles ?? [] };
  return `token for ${JSON.stringify(shown)}, expires ${new Date(expiresOnTimestamp).toISOString()}`;
}
