import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, UsernamePasswordCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { Client } from '@microsoft/microsoft-graph-client';
import { EmulatorEndpoints } from '../../emulators/index';
import { createGraphClient } from '../../src/azure/graphDirectory';

/** ClientSecretCredential for a seeded principal, pointed at the Entra emulator. */
export function principalCredential(endpoints: EmulatorEndpoints, name: string): ClientSecretCredential {
  const principal = endpoints.principals[name];
  if (!principal?.clientSecret) throw new Error(`principal ${name} has no client secret`);
  return new ClientSecretCredential(endpoints.tenantId, principal.clientId, principal.clientSecret, {
    authorityHost: endpoints.entra.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/**
 * A seeded user signing in with its password through the public client `cli` (the password grant, driven by MSAL
 * inside `@azure/identity`), pointed at the Entra emulator. Deprecated by the SDK for real tenants (no MFA); the
 * emulated tenant has no other non-interactive user flow.
 */
export function userCredential(endpoints: EmulatorEndpoints, user: string): UsernamePasswordCredential {
  const seeded = endpoints.users[user];
  const cli = endpoints.principals.cli;
  if (!seeded || !cli) throw new Error(`no seeded user ${user} (or no public client cli)`);
  return new UsernamePasswordCredential(endpoints.tenantId, cli.clientId, seeded.userPrincipalName, seeded.password, {
    authorityHost: endpoints.entra.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/**
 * The Graph client as the product builds it (the official client without its own retry handler, so a test sees the
 * emulator's every answer), with any credential, pointed at the Graph emulator.
 */
export function graphClient(endpoints: EmulatorEndpoints, credential: TokenCredential): Client {
  return createGraphClient(credential, {
    baseUrl: endpoints.graph.baseUrl,
    tokenScope: 'https://graph.microsoft.com/.default',
    customHosts: [new URL(endpoints.graph.baseUrl).hostname],
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
