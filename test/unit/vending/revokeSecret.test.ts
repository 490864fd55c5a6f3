import { NotFoundError } from '../../../src/vending/errors';
import { issueSecret } from '../../../src/vending/issueSecret';
import { Caller } from '../../../src/vending/ports';
import { revokeSecret } from '../../../src/vending/revokeSecret';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { APP_ROLES } from '../../../src/vending/ownership';
import { OWNER, requestContext, testCaller } from './fakes';
import { DAY, NOW, setup } from './listAndRevoke.helpers';

const CALLER: Caller = OWNER;
const CONTEXT = requestContext(CALLER);

describe('revokeSecret', () => {
  it('refuses an unknown keyId with NotFoundError and removes nothing', async () => {
    const { deps, app, directory, secretStore } = setup();
    await issueSecret(deps, app.appId, {}, CONTEXT);
    const before = directory.apps.get(app.appId)!.passwordCredentials.length;
    await expect(revokeSecret(deps, app.appId, crypto.randomUUID(), CONTEXT)).rejects.toBeInstanceOf(NotFoundError);
    expect(directory.callsTo('removePassword')).toEqual([]);
    expect(secretStore.callsTo('disableVersion')).toEqual([]);
    expect(directory.apps.get(app.appId)!.passwordCredentials).toHaveLength(before);
  });

  it('lets NotFoundError through for an app it does not own', async () => {
    const { deps, directory } = setup();
    await expect(revokeSecret(deps, crypto.randomUUID(), crypto.randomUUID(), CONTEXT)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(directory.callsTo('removePassword')).toEqual([]);
  });

  it('removes the credential and disables exactly the vault version tagged with its keyId', async () => {
    const { deps, app, directory, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, CONTEXT);
    const b = await issueSecret(deps, app.appId, {}, CONTEXT);
    const c = await issueSecret(deps, app.appId, {}, CONTEXT);

    const result = await revokeSecret(deps, app.appId, b.keyId, CONTEXT);

    expect(directory.callsTo('removePassword')).toEqual([[app.appId, b.keyId]]);
    expect(directory.apps.get(app.appId)!.passwordCredentials.map((x) => x.keyId)).toEqual([a.keyId, c.keyId]);
    const name = secretNameFor(app.appId, 'default');
    expect(secretStore.callsTo('disableVersion')).toEqual([[name, b.keyVault.version]]);
    const enabled = Object.fromEntries(secretStore.secrets.get(name)!.map((v) => [v.version, v.enabled]));
    expect(enabled).toEqual({ [a.keyVault.version]: true, [b.keyVault.version]: false, [c.keyVault.version]: true });
    expect(result).toEqual({
      appId: app.appId,
      keyId: b.keyId,
      disabledSecretVersion: b.keyVault.version,
      slot: 'unchanged',
    });
  });

  it('matches the keyId case-insensitively and removes it under the id Graph uses', async () => {
    const { deps, app, directory } = setup();
    const issued = await issueSecret(deps, app.appId, { displayName: 'ci' }, CONTEXT);
    const result = await revokeSecret(deps, app.appId, issued.keyId.toUpperCase(), CONTEXT);
    expect(directory.callsTo('removePassword')).toEqual([[app.appId, issued.keyId]]);
    expect(result.keyId).toBe(issued.keyId);
    expect(result.disabledSecretVersion).toBe(issued.keyVault.version);
  });

  it('removes a credential not issued by the API without touching the vault', async () => {
    const { deps, app, directory, secretStore, seedCredential } = setup();
    const manual = seedCredential({ displayName: 'default', startMs: NOW.getTime(), endMs: NOW.getTime() + 10 * DAY });
    await issueSecret(deps, app.appId, {}, CONTEXT); // another version in the same slot must stay enabled
    const result = await revokeSecret(deps, app.appId, manual.keyId, CONTEXT);
    expect(directory.callsTo('removePassword')).toEqual([[app.appId, manual.keyId]]);
    expect(secretStore.callsTo('disableVersion')).toEqual([]);
    expect(result.disabledSecretVersion).toBeNull();
  });

  it('removes a credential with no displayName without touching the vault', async () => {
    const { deps, app, secretStore, seedCredential } = setup();
    const unnamed = seedCredential({ displayName: null, startMs: NOW.getTime(), endMs: NOW.getTime() + DAY });
    const result = await revokeSecret(deps, app.appId, unnamed.keyId, CONTEXT);
    expect(secretStore.calls).toEqual([]);
    expect(result).toEqual({ appId: app.appId, keyId: unnamed.keyId, disabledSecretVersion: null, slot: null });
  });

  it('removes the credential from Entra before disabling its vault version', async () => {
    const { deps, app, directory, secretStore } = setup();
    const issued = await issueSecret(deps, app.appId, {}, CONTEXT);
    const order: string[] = [];
    const remove = directory.removePassword.bind(directory);
    const disable = secretStore.disableVersion.bind(secretStore);
    directory.removePassword = (...args) => (order.push('removePassword'), remove(...args));
    secretStore.disableVersion = (...args) => (order.push('disableVersion'), disable(...args));
    await revokeSecret(deps, app.appId, issued.keyId, CONTEXT);
    expect(order).toEqual(['removePassword', 'disableVersion']);
  });
});

describe('revokeSecret: who may revoke', () => {
  it('answers not found to a caller that does not own the app, removing nothing', async () => {
    const { deps, app, directory, secretStore } = setup();
    const issued = await issueSecret(deps, app.appId, {}, CONTEXT);
    const stranger = testCaller({ roles: [APP_ROLES.secretCreate] });
    await expect(revokeSecret(deps, app.appId, issued.keyId, requestContext(stranger))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(directory.callsTo('removePassword')).toEqual([]);
    expect(secretStore.callsTo('disableVersion')).toEqual([]);
    // Admin may.
    await revokeSecret(deps, app.appId, issued.keyId, requestContext(testCaller({ roles: [APP_ROLES.admin] })));
    expect(directory.callsTo('removePassword')).toHaveLength(1);
  });
});
