/**
 * A client assertion signed by Key Vault: the private key of a vended certificate never leaves the vault. Give it to
 * `ClientAssertionCredential` as its `getAssertion` callback. The signer needs Key Vault Crypto User on that one key.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { CryptographyClient, CryptographyClientOptions } from '@azure/keyvault-keys';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * Builds and signs (RS256, through `CryptographyClient.sign`) the JWT Entra accepts as a client assertion:
 * header `x5t` = the certificate's SHA-1 thumbprint, `iss` = `sub` = the app's client id, `aud` = the token endpoint,
 * valid for five minutes.
 */
export async function keyVaultClientAssertion(options: {
  /** The certificate key's id, as the vending API answers it (`keyVault.keyId`). */
  keyId: string;
  /** The certificate's SHA-1 thumbprint, hex (`thumbprint`). */
  thumbprint: string;
  clientId: string;
  /** `<authority host>/<tenant>/oauth2/v2.0/token`. */
  tokenEndpoint: string;
  /** Who signs: an identity holding Key Vault Crypto User on the key (a managed identity in Azure). */
  signer: TokenCredential;
  /** Key Vault client options (the emulator needs `disableChallengeResourceVerification`). */
  clientOptions?: CryptographyClientOptions;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', x5t: base64url(Buffer.from(options.thumbprint, 'hex')) };
  const claims = {
    aud: options.tokenEndpoint,
    iss: options.clientId,
    sub: options.clientId,
    jti: randomUUID(),
    nbf: now,
    exp: now + 300,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const digest = createHash('sha256').update(signingInput).digest();
  const crypto = new CryptographyClient(options.keyId, options.signer, options.clientOptions);
  const { result } = await crypto.sign('RS256', digest);
  return `${signingInput}.${base64url(Buffer.from(result))}`;
}
