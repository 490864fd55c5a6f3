import { issueSecret } from '../../../src/vending/issueSecret';
import { revokeSecret } from '../../../src/vending/revokeSecret';
import { RESTORED_FROM_TAG, settleSlot } from '../../../src/vending/secretSlots';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { OWNER, requestContext } from './fakes';
import { setup } from './listAndRevoke.helpers';

const CONTEXT = requestContext(OWNER);

/**
 * The slot's promise (issue #12): its versionless reference — what every consumer holds — resolves to the newest live
 * credential of the slot, or to nothing when none is left. `resolve()` is what a Key Vault reference would read.
 */
describe('the versionless reference of a slot follows its newest live credential', () => {
  it('revoking the newest brings the previous live credential back as the latest version (issue #12, defect 2)', async () => {
    const { deps, app, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, CONTEXT);
    const b = await issueSecret(deps, app.appId, {}, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    expect(secretStore.resolve(name)).toMatchObject({ keyId: b.keyId });

    const revoked = await revokeSecret(deps, app.appId, b.keyId, CONTEXT);

    // Before the fix the reference resolved to b's disabled version (403 SecretDisabled) while a was live and listed.
    const served = secretStore.resolve(name);
    expect(served).toMatchObject({ keyId: a.keyId });
    const versions = secretStore.secrets.get(name)!;
    expect(served).toEqual({ value: versions.find((v) => v.version === a.keyVault.version)!.value, keyId: a.keyId });
    // The copy says what it copies; b's every version is disabled.
    expect(versions.at(-1)!.tags).toMatchObject({ keyId: a.keyId, [RESTORED_FROM_TAG]: a.keyVault.version });
    expect(versions.filter((v) => v.tags.keyId === b.keyId).map((v) => v.enabled)).toEqual([false]);
    expect(revoked.slot).toBe('restored');
  });

  it('revoking an older credential leaves the slot on the newest, untouched', async () => {
    const { deps, app, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, CONTEXT);
    const b = await issueSecret(deps, app.appId, {}, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    const before = secretStore.secrets.get(name)!.length;
    const revoked = await revokeSecret(deps, app.appId, a.keyId, CONTEXT);
    expect(revoked.slot).toBe('unchanged');
    expect(secretStore.resolve(name)).toMatchObject({ keyId: b.keyId });
    expect(secretStore.secrets.get(name)).toHaveLength(before);
    expect(secretStore.callsTo('restoreVersion')).toEqual([]);
  });

  it('revoking the last live credential leaves the slot empty (its versionless reference serves nothing)', async () => {
    const { deps, app, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, CONTEXT);
    const b = await issueSecret(deps, app.appId, {}, CONTEXT);
    await revokeSecret(deps, app.appId, b.keyId, CONTEXT);
    const revoked = await revokeSecret(deps, app.appId, a.keyId, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    expect(revoked.slot).toBe('empty');
    expect(secretStore.resolve(name)).toBe('disabled');
    // Nothing of a is left enabled: its original and the restored copy are both disabled.
    expect(secretStore.secrets.get(name)!.filter((v) => v.enabled)).toEqual([]);
  });

  it('after several revocations in any order, the slot serves the newest credential still live, by issue order', async () => {
    const { deps, app, secretStore, directory } = setup();
    const issued = [];
    for (let i = 0; i < 5; i++) issued.push(await issueSecret(deps, app.appId, {}, CONTEXT));
    const name = secretNameFor(app.appId, 'default');
    for (const index of [4, 1, 3]) {
      await revokeSecret(deps, app.appId, issued[index]!.keyId, CONTEXT);
      const live = directory.apps.get(app.appId)!.passwordCredentials.map((c) => c.keyId);
      const newestLive = issued.filter((s) => live.includes(s.keyId)).at(-1)!;
      expect(secretStore.resolve(name)).toMatchObject({ keyId: newestLive.keyId });
    }
    // 4 revoked → 3 restored; 1 revoked → unchanged; 3 revoked → 2 restored (by issue order, not by copy order).
    expect(secretStore.resolve(name)).toMatchObject({ keyId: issued[2]!.keyId });
  });

  it('a credential issued while the slot is being settled wins: the slot ends on the newest, not on the restored one', async () => {
    const { deps, app, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, CONTEXT);
    const b = await issueSecret(deps, app.appId, {}, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    // b is revoked (its version disabled); between the slot's listing and the restore of a, c lands (a concurrent issue).
    await secretStore.disableVersion(name, b.keyVault.version);
    const restore = secretStore.restoreVersion.bind(secretStore);
    let c: Awaited<ReturnType<typeof issueSecret>> | undefined;
    secretStore.restoreVersion = async (...args) => {
      c ??= await issueSecret(deps, app.appId, {}, CONTEXT);
      return restore(...args);
    };
    const outcome = await settleSlot(secretStore, name, new Set([a.keyId]));
    expect(outcome).toBe('restored');
    expect(secretStore.resolve(name)).toMatchObject({ keyId: c!.keyId });
  });

  it('reads the live credentials only when another enabled version could take the place of the disabled one', async () => {
    const { deps, app, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, CONTEXT);
    const b = await issueSecret(deps, app.appId, {}, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    const reads: string[] = [];
    const live = (keyIds: string[]) => () => {
      reads.push(keyIds.join());
      return Promise.resolve(keyIds);
    };
    expect(await settleSlot(secretStore, name, live([a.keyId, b.keyId]))).toBe('unchanged');
    expect(reads).toEqual([]); // the current version is fine: nothing to read

    await secretStore.disableVersion(name, b.keyVault.version);
    expect(await settleSlot(secretStore, name, live([a.keyId]))).toBe('restored');
    expect(reads).toEqual([a.keyId]); // read once, though the slot was checked again after the restore
    expect(secretStore.resolve(name)).toMatchObject({ keyId: a.keyId });

    const other = secretNameFor(app.appId, 'alone');
    const only = await issueSecret(deps, app.appId, { displayName: 'alone' }, CONTEXT);
    await secretStore.disableVersion(other, only.keyVault.version);
    expect(await settleSlot(secretStore, other, live([]))).toBe('empty');
    expect(reads).toEqual([a.keyId]); // no enabled version left: nothing could take its place, nothing read
  });

  it('leaves a slot alone whose current version is enabled, whatever else it holds', async () => {
    const { deps, app, secretStore } = setup();
    await issueSecret(deps, app.appId, {}, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    expect(await settleSlot(secretStore, name, new Set())).toBe('unchanged');
    expect(await settleSlot(secretStore, secretNameFor(app.appId, 'nothing-here'), new Set())).toBe('empty');
    expect(secretStore.callsTo('restoreVersion')).toEqual([]);
  });
});
