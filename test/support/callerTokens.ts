import type { TokenCredential } from '@azure/core-auth';
import { EmulatorEndpoints } from '../../emulators/index';
import { principalCredential, userCredential } from './clients';

/** Every access token any {@link callerTokens} of this test file obtained, in the order first seen. */
const obtained = new Set<string>();

/**
 * Every access token the callers of this test file obtained so far (each test file runs in its own module registry):
 * what a leak check searches logs and ledger rows for, besides anything shaped like a JWT.
 */
export function tokensObtained(): readonly string[] {
  return [...obtained];
}

/**
 * Access tokens for the vending API as the emulated tenant's seeded callers, got the way clients get them and cached
 * by their credentials: a seeded application (`portal`, `logicApp`, `operator`, …) with client credentials and the
 * API's `.default` scope (app-only), a seeded user (`ada`, `dana`, `lee`) with the password grant through the public
 * client `cli` and the API's `access_as_user` scope (delegated). Each token is also kept for {@link tokensObtained}.
 */
export function callerTokens(endpoints: () => EmulatorEndpoints): (name: string) => Promise<string> {
  const credentials = new Map<string, { credential: TokenCredential; scope: string }>();
  return async (name) => {
    let entry = credentials.get(name);
    if (!entry) {
      const e = endpoints();
      entry =
        name in e.users
          ? { credential: userCredential(e, name), scope: e.api.scope }
          : { credential: principalCredential(e, name), scope: e.api.defaultScope };
      credentials.set(name, entry);
    }
    const token = await entry.credential.getToken(entry.scope);
    if (!token) throw new Error(`no token for ${name}`);
    obtained.add(token.token);
    return token.token;
  };
}
