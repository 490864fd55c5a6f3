import { PasswordCredentialInfo } from '../../../src/vending/ports';
import { fakeVendingDependencies, NOW } from './fakes';

export const DAY = 24 * 60 * 60 * 1000;
export { NOW };

export function setup() {
  const { directory, secretStore, ledger, warn, deps, setNow } = fakeVendingDependencies();
  const app = directory.seedApplication('payments');
  /** Adds a credential straight into the directory, as if made outside this API. */
  const seedCredential = (credential: Partial<PasswordCredentialInfo> & { startMs: number; endMs: number }) => {
    const info: PasswordCredentialInfo = {
      keyId: credential.keyId ?? crypto.randomUUID(),
      displayName: credential.displayName === undefined ? 'manual' : credential.displayName,
      hint: credential.hint ?? 'abc',
      startDateTime: new Date(credential.startMs).toISOString(),
      endDateTime: new Date(credential.endMs).toISOString(),
    };
    directory.apps.get(app.appId)!.passwordCredentials.push(info);
    return info;
  };
  return { directory, secretStore, ledger, warn, deps, app, setNow, seedCredential };
}
