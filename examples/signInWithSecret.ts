/**
 * Signs in as a vended app with its client secret, read from its Key Vault reference, as an app that loads it at
 * start would: `npm run example:sign-in-secret -- <appId> <secretUri>` (the `keyVault.secretUri` of an API answer).
 * The secret is read as the seeded `operator` (Key Vault Secrets User; in Azure, the app's own identity with that
 * role on this one secret). Prints who the token is for, never the secret or the token.
 */
import { ClientSecretCredential } from '@azure/identity';
import { parseKeyVaultSecretIdentifier, SecretClient } from '@azure/keyvault-secrets';
import { authorityOptions, describeToken, sandboxEndpoints, seededCredential } from './sandboxCredentials';

async function main(): Promise<void> {
  const [appId, secretUri] = process.argv.slice(2);
  if (!appId || !secretUri) throw new Error('usage: sign-in-secret <appId> <secretUri>');
  const endpoints = sandboxEndpoints();
  const { vaultUrl, name, version } = parseKeyVaultSecretIdentifier(secretUri);
  const vault = new SecretClient(vaultUrl, seededCredential(endpoints, 'operator'), {
    disableChallengeResourceVerification: true,
  });
  const secret = (await vault.getSecret(name, version ? { version } : {})).value;
  if (!secret) throw new Error(`no value at ${secretUri}`);
  const app = new ClientSecretCredential(endpoints.tenantId, appId, secret, authorityOptions(endpoints));
  const token = await app.getToken('https://graph.microsoft.com/.default');
  console.log(`signed in as ${appId} with its vended secret: ${describeToken(token.token, token.expiresOnTimestamp)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
