import { CallBudget } from '../../../src/vending/deadline';
import {
  NotFoundError,
  OperationUnfinishedError,
  UpstreamFailureError,
  UpstreamUnavailableError,
} from '../../../src/vending/errors';
import { issueSecret } from '../../../src/vending/issueSecret';
import { finishInterruptedRevocation, revokeSecret } from '../../../src/vending/revokeSecret';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { OWNER, requestContext } from './fakes';
import { DAY, NOW, setup } from './listAndRevoke.helpers';

const context = () => requestContext(OWNER);
const vaultDown = () => new UpstreamFailureError('vault said 502', 'keyVault', 'BadGateway');

/** Every vault version holding `keyId`'s secret, enabled or not. */
function versionsOf(store: ReturnType<typeof setup>['secretStore'], name: string, keyId: string) {
  return (store.secrets.get(name) ?? []).filter((v) => v.tags.keyId === keyId);
}

describe('revoke is idempotent and finishes (issue #12, defect 1)', () => {
  it('a retry after the vault step failed finishes it and answers as a success, not 404', async () => {
    const { deps, app, directory, secretStore, ledger } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context());
    const name = issued.keyVault.secretName;

    // removePassword succeeds, the PATCH disabling the vault version fails.
    secretStore.failOn('disableVersion', vaultDown());
    const first = await revokeSecret(deps, app.appId, issued.keyId, context()).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OperationUnfinishedError);
    expect((first as OperationUnfinishedError).status).toBe(503);
    expect((first as OperationUnfinishedError).retryAfterSeconds).toBeGreaterThan(0);
    expect(directory.apps.get(app.appId)!.passwordCredentials).toEqual([]);
    expect(versionsOf(secretStore, name, issued.keyId).map((v) => v.enabled)).toEqual([true]);
    // What is left is on record for the scan: open, unfinished, naming the step and the slot.
    expect([...ledger.marks.values()]).toEqual([
      { state: 'unfinished', appId: app.appId, keyId: issued.keyId, secretName: name, step: 'disableVersion' },
    ]);

    // The same DELETE again: the credential is gone from Entra, the ledger says where its secret is.
    secretStore.recover('disableVersion');
    const second = await revokeSecret(deps, app.appId, issued.keyId, context());
    expect(second).toMatchObject({
      appId: app.appId,
      keyId: issued.keyId,
      disabledSecretVersion: issued.keyVault.version,
    });
    expect(versionsOf(secretStore, name, issued.keyId).map((v) => v.enabled)).toEqual([false]);
    // The first attempt's record is closed by the one that finished it; nothing stays open.
    expect(ledger.open.size).toBe(0);
    expect(ledger.resolutions.map((r) => [r.resolution.outcome, r.resolution.keyId])).toEqual([
      ['completed', issued.keyId],
    ]);
    // A third time: nothing left to do, still a success (idempotent), and no Graph write.
    const removals = directory.callsTo('removePassword').length;
    await expect(revokeSecret(deps, app.appId, issued.keyId, context())).resolves.toMatchObject({
      keyId: issued.keyId,
    });
    expect(directory.callsTo('removePassword')).toHaveLength(removals);
  });

  it("tells the caller when to come back from the vault's own Retry-After", async () => {
    const { deps, app, secretStore } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context());
    secretStore.failOn('disableVersion', new UpstreamUnavailableError('throttled', 429, 17, 'keyVault'));
    const error = await revokeSecret(deps, app.appId, issued.keyId, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationUnfinishedError);
    expect((error as OperationUnfinishedError).retryAfterSeconds).toBe(17);
  });

  it('a credential gone from Entra that this API never stored is a 404, as before', async () => {
    const { deps, app, secretStore } = setup();
    await expect(revokeSecret(deps, app.appId, crypto.randomUUID(), context())).rejects.toBeInstanceOf(NotFoundError);
    expect(secretStore.calls).toEqual([]);
  });

  it('finishes when the credential was removed by someone else: its stored secret is disabled all the same', async () => {
    const { deps, app, directory, secretStore } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context());
    await directory.removePassword(app.appId, issued.keyId); // e.g. in the portal
    await revokeSecret(deps, app.appId, issued.keyId, context());
    expect(versionsOf(secretStore, issued.keyVault.secretName, issued.keyId).map((v) => v.enabled)).toEqual([false]);
  });

  it('two revocations at once: the one that finds the credential already removed still finishes the vault step', async () => {
    const { deps, app, directory, secretStore } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context());
    // The second request read the app before the first removed the credential: its removePassword answers 404.
    const remove = directory.removePassword.bind(directory);
    directory.removePassword = async (appId, keyId) => {
      await remove(appId, keyId).catch(() => undefined);
      throw new NotFoundError('already gone');
    };
    await expect(revokeSecret(deps, app.appId, issued.keyId, context())).resolves.toMatchObject({
      keyId: issued.keyId,
    });
    expect(versionsOf(secretStore, issued.keyVault.secretName, issued.keyId).map((v) => v.enabled)).toEqual([false]);
  });

  it("the vault step runs on the compensation budget, not the request's deadline (a revoked secret must not stay readable)", async () => {
    const { deps, app, secretStore } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context());
    const forward = new AbortController();
    const compensation = new AbortController();
    forward.abort();
    const budgets: AbortSignal[] = [];
    const disable = secretStore.disableVersion.bind(secretStore);
    secretStore.disableVersion = (name: string, version: string, budget?: CallBudget) => {
      budgets.push(budget!.signal);
      return disable(name, version);
    };
    const ctx = requestContext(OWNER, crypto.randomUUID(), {
      forward: { signal: forward.signal, endsAt: NOW.getTime() },
      compensation: () => ({ signal: compensation.signal, endsAt: NOW.getTime() + DAY }),
      dispose: () => undefined,
    });
    // (removePassword ignores the fake's signals; in the adapters an aborted forward signal stops it.)
    await revokeSecret(deps, app.appId, issued.keyId, ctx);
    expect(budgets).toEqual([compensation.signal]);
  });
});

describe('finishInterruptedRevocation: what the expiry scan calls for an open revocation', () => {
  it('finishes an unfinished one (credential gone, version enabled) and one interrupted before removePassword', async () => {
    const { deps, app, directory, secretStore } = setup();
    const a = await issueSecret(deps, app.appId, {}, context());
    const b = await issueSecret(deps, app.appId, {}, context());
    await directory.removePassword(app.appId, a.keyId);
    const name = secretNameFor(app.appId, 'default');

    const finishedA = await finishInterruptedRevocation(deps, {
      operation: 'revokeSecret',
      appId: app.appId,
      keyId: a.keyId,
      secretName: name,
    });
    expect(finishedA).toMatchObject({ removed: false, disabledSecretVersion: a.keyVault.version, slot: 'unchanged' });

    // Interrupted before its removePassword answered: the credential is still there; it goes, then its version.
    const finishedB = await finishInterruptedRevocation(deps, {
      operation: 'revokeSecret',
      appId: app.appId,
      keyId: b.keyId,
      credentialDisplayName: 'default',
    });
    expect(finishedB).toMatchObject({ removed: true, disabledSecretVersion: b.keyVault.version, slot: 'empty' });
    expect(directory.apps.get(app.appId)!.passwordCredentials).toEqual([]);
    expect((secretStore.secrets.get(name) ?? []).filter((v) => v.enabled)).toEqual([]);
  });

  it('refuses what is not a revocation', async () => {
    const { deps } = setup();
    await expect(
      finishInterruptedRevocation(deps, { operation: 'addSecret', appId: crypto.randomUUID(), keyId: 'x' }),
    ).rejects.toThrow(RangeError);
  });
});
