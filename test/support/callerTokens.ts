import type { TokenCredential } from '@azure/core-auth';
import { EmulatorEndpoints } from '../../emulators/index';
import { principalCredential, userCredential } from './clients';

/**
 * Access tokens for the vending API as the emulated tenant's seeded callers, got the way clients get them and cached
 * by their credentials: a seeded application (`portal`, `logicApp`, `operator`, …) with client credentials and the
 * API's `.default` scope (app-only), a seeded user (`ada`, `dana`, `lee`) with the password grant through the public
 * client `cli` and the API's `access_as_user` scope (delegated).
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
    return token.token;
  };
}
