import { ClientSecretCredential } from '@azure/identity';
import { EmulatorEndpoints } from '../../emulators/index';
import { principalCredential } from './clients';

/**
 * Access tokens for the vending API as the emulated tenant's seeded callers, got the way a client gets them
 * (`ClientSecretCredential`, client credentials, scope `<identifier URI>/.default`) and cached by the credential.
 * `tokenFor('portal')` → a v2 app-only token carrying the portal's app roles.
 */
export function callerTokens(endpoints: () => EmulatorEndpoints): (name: string) => Promise<string> {
  const credentials = new Map<string, ClientSecretCredential>();
  return async (name) => {
    let credential = credentials.get(name);
    if (!credential) {
      credential = principalCredential(endpoints(), name);
      credentials.set(name, credential);
    }
    const token = await credential.getToken(`${endpoints().vendingApi.identifierUri}/.default`);
    return token.token;
  };
}

/** `{ authorization: 'Bearer …' }` for a seeded caller. */
export async function authorizationAs(
  tokenFor: (name: string) => Promise<string>,
  name: string,
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(name)}` };
}
