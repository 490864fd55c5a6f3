import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { EmulatorEndpoints } from '../../emulators/index';

/** ClientSecretCredential for a seeded principal, pointed at the Entra emulator. */
export function principalCredential(endpoints: EmulatorEndpoints, name: string): ClientSecretCredential {
  const principal = endpoints.principals[name];
  if (!principal?.clientSecret) throw new Error(`principal ${name} has no client secret`);
  return new ClientSecretCredential(endpoints.tenantId, principal.clientId, principal.clientSecret, {
    authorityHost: endpoints.entra.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** The official Graph client with any credential, pointed at the Graph emulator. */
export function graphClient(endpoints: EmulatorEndpoints, credential: TokenCredential): Client {
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, {
      scopes: ['https://graph.microsoft.com/.default'],
    }),
    baseUrl: endpoints.graph.baseUrl,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(endpoints.graph.baseUrl).hostname]),
  });
}

/** The official Graph client as a seeded principal, pointed at the Graph emulator. */
export function graphClientAs(endpoints: EmulatorEndpoints, name: string): Client {
  return graphClient(endpoints, principalCredential(endpoints, name));
}

/** The official SecretClient as a seeded principal, pointed at the Key Vault emulator. */
export function secretClientAs(endpoints: EmulatorEndpoints, name: string): SecretClient {
  return new SecretClient(endpoints.keyVault.url, principalCredential(endpoints, name), {
    disableChallengeResourceVerification: true,
  });
}
