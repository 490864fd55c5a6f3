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
import type { TokenCredential } from '@azure/core-auth';
import { UsernamePasswordCredential } from '@azure/identity';
import { EmulatorEndpoints } from '../emulators/index';
import { authorityOptions, sandboxEndpoints, seededCredential } from './sandboxCredentials';

function credentialFor(endpoints: EmulatorEndpoints, caller: string): { credential: TokenCredential; scope: string } {
  const user = endpoints.users[caller];
  const cli = endpoints.principals.cli;
  if (user && cli) {
    return {
      credential: new UsernamePasswordCredential(
        endpoints.tenantId,
        cli.clientId,
        user.userPrincipalName,
        user.password,
        authorityOptions(endpoints),
      ),
      scope: endpoints.api.scope,
    };
  }
  if (endpoints.principals[caller]?.clientSecret) {
    return { credential: seededCredential(endpoints, caller), scope: endpoints.api.defaultScope };
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
  const endpoints = sandboxEndpoints();
  const { credential, scope } = credentialFor(endpoints, process.argv[2] ?? '');
  const token = await credential.getToken(scope);
  if (!token) throw new Error('no token');
  console.log(token.token);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
