/**
 * Signs in as a vended app with its Key Vault certificate, the private key never leaving the vault:
 * `npm run example:sign-in-certificate -- <appId> <keyVault.keyId> <thumbprint>` (from the API's answer).
 * ClientAssertionCredential asks for an assertion; Key Vault signs it (`CryptographyClient.sign`) for the seeded
 * `workload`, which holds Key Vault Crypto User (in Azure: the app's managed identity, with that role on this key).
 */
import { ClientAssertionCredential } from '@azure/identity';
import { keyVaultClientAssertion } from './keyVaultAssertion';
import { authorityOptions, describeToken, sandboxEndpoints, seededCredential } from './sandboxCredentials';

async function main(): Promise<void> {
  const [appId, keyId, thumbprint] = process.argv.slice(2);
  if (!appId || !keyId || !thumbprint) throw new Error('usage: sign-in-certificate <appId> <keyId> <thumbprint>');
  const endpoints = sandboxEndpoints();
  const signer = seededCredential(endpoints, 'workload');
  const tokenEndpoint = `${endpoints.entra.authorityHost}/${endpoints.tenantId}/oauth2/v2.0/token`;
  const app = new ClientAssertionCredential(
    endpoints.tenantId,
    appId,
    () =>
      keyVaultClientAssertion({
        keyId,
        thumbprint,
        clientId: appId,
        tokenEndpoint,
        signer,
        clientOptions: { disableChallengeResourceVerification: true },
      }),
    authorityOptions(endpoints),
  );
  const token = await app.getToken('https://graph.microsoft.com/.default');
  console.log(
    `signed in as ${appId} with an assertion Key Vault signed: ${describeToken(token.token, token.expiresOnTimestamp)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
