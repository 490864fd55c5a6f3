import { VendingDependencies } from '../../../src/vending/issueSecret';
import { PasswordCredentialInfo } from '../../../src/vending/ports';
import { FakeDirectory, FakeSecretStore } from './fakes';

export const DAY = 24 * 60 * 60 * 1000;
export const NOW = new Date('2026-05-10T08:30:00.000Z');

export function setup() {
  const directory = new FakeDirectory();
  const secretStore = new FakeSecretStore();
  const warn = jest.fn<void, [string, Record<string, string>]>();
  let now = NOW.getTime();
  const deps: VendingDependencies & { expiringWithinDays: number } = {
    directory,
    secretStore,
    lifetimePolicy: { maxDays: 180, defaultDays: 90 },
    clock: () => new Date(now),
    warn,
    expiringWithinDays: 30,
  };
  const app = directory.seedApplication('payments');
  const setNow = (ms: number) => {
    now = ms;
  };
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
  return { directory, secretStore, warn, deps, app, setNow, seedCredential };
}
