/**
 * Reads a secret back from the sandbox's emulated Key Vault with the official SecretClient, as a person with vault
 * access would: `npm run example:read-secret -- <secretUri>` (the `keyVault.secretUri` of an API answer).
 * Signs in as the seeded `operator` principal (Key Vault Secrets User). Prints the value masked unless --reveal.
 */
import { parseKeyVaultSecretIdentifier, SecretClient } from '@azure/keyvault-secrets';
import { sandboxEndpoints, seededCredential } from './sandboxCredentials';

async function main(): Promise<void> {
  const [secretUri, flag] = process.argv.slice(2);
  if (!secretUri) throw new Error('usage: read-secret <secretUri> [--reveal]');
  const credential = seededCredential(sandboxEndpoints(), 'operator');
  const { vaultUrl, name, version } = parseKeyVaultSecretIdentifier(secretUri);
  const client = new SecretClient(vaultUrl, credential, { disableChallengeResourceVerification: true });
  const secret = await client.getSecret(name, version ? { version } : {});
  const value = secret.value ?? '';
  console.log(`name        ${secret.name}`);
  console.log(`version     ${secret.properties.version}`);
  console.log(`contentType ${secret.properties.contentType}`);
  console.log(`notBefore   ${secret.properties.notBefore?.toISOString()}`);
  console.log(`expiresOn   ${secret.properties.expiresOn?.toISOString()}`);
  console.log(`tags        ${JSON.stringify(secret.properties.tags)}`);
  console.log(
    `value       ${flag === '--reveal' ? value : `${value.slice(0, 3)}${'*'.repeat(Math.max(0, value.length - 3))} (${value.length} chars; --reveal to show)`}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
