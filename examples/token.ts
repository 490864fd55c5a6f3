/**
 * Prints an access token for the vending API as one of the sandbox's seeded callers, got the way a client gets it:
 * `npm run --silent example:token -- <caller>`.
 * - an application (`portal`, `logicApp`, `operator`, `noRoles`, …): ClientSecretCredential, client credentials,
 *   scope `<identifier URI>/.default` — an app-only token with the app's roles;
 * - a user (`ada`, `dana`, `lee`): UsernamePasswordCredential through the public client `cli` (the password grant),
 *   scope `<identifier URI>/access_as_user` — a delegated token with the user's roles (direct or through its groups)
 *   and groups.
 * Reads `.sandbox/endpoints.json`; use it as `TOKEN=$(npm run --silent example:token -- dana)`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, UsernamePasswordCredential } from '@azure/identity';
import { EmulatorEndpoints } from '../emulators/index';

function credentialFor(endpoints: EmulatorEndpoints, caller: string): { credential: TokenCredential; scope: string } {
  const options = { authorityHost: endpoints.entra.authorityHost, disableInstanceDiscovery: true };
  const user = endpoints.users[caller];
  const cli = endpoints.principals.cli;
  if (user && cli) {
    return {
      credential: new UsernamePasswordCredential(
        endpoints.tenantId,
        cli.clientId,
        user.userPrincipalName,
        user.password,
        options,
      ),
      scope: endpoints.api.scope,
    };
  }
  const app = endpoints.principals[caller];
  if (app?.clientSecret) {
    return {
      credential: new ClientSecretCredential(endpoints.tenantId, app.clientId, app.clientSecret, options),
      scope: endpoints.api.defaultScope,
    };
  }
  const callers = [
    ...Object.keys(endpoints.users),
    ...Object.entries(endpoints.principals)
      .filter(([, p]) => p.clientSecret)
      .map(([name]) => name),
  ];
  throw new Error(`usage: example:token <caller>, one of: ${callers.join(', ')}`);
}

async function main(): Promise<void> {
  const endpoints = JSON.parse(
    readFileSync(resolve(__dirname, '..', '.sandbox', 'endpoints.json'), 'utf8'),
  ) as EmulatorEndpoints;
  const { credential, scope } = credentialFor(endpoints, process.argv[2] ?? '');
  const token = await credential.getToken(scope);
  if (!token) throw new Error('no token');
  console.log(token.token);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
