import { setApplicationOwners } from '../../../src/vending/applications';
import { createApplication } from '../../../src/vending/createApplication';
import {
  DeadlineExceededError,
  NotFoundError,
  OperationUnfinishedError,
  UpstreamFailureError,
  UpstreamUnavailableError,
} from '../../../src/vending/errors';
import { issueSecret } from '../../../src/vending/issueSecret';
import { APP_ROLES } from '../../../src/vending/ownership';
import { Caller, OperationIntent } from '../../../src/vending/ports';
import { revokeSecret } from '../../../src/vending/revokeSecret';
import { fakeVendingDependencies, OWNER, requestContext, testCaller } from './fakes';

const CALLER: Caller = OWNER;
const ledgerDown = () => new UpstreamUnavailableError('ledger down', 503, 5, 'ledger');
const graphDown = () => new UpstreamUnavailableError('graph down', 503, 5, 'graph');

function setup() {
  const fakes = fakeVendingDependencies();
  return { ...fakes, app: fakes.directory.seedApplication('payments'), context: requestContext(CALLER) };
}

describe('the write-ahead record of issueSecret', () => {
  it('writes the intent before addPassword, the progress before the vault write and the completion after it', async () => {
    const { deps, ledger, app, context, order } = setup();
    const secret = await issueSecret(deps, app.appId, { displayName: 'ci', lifetimeDays: 7 }, context);
    expect(order()).toEqual([
      'directory.getApplication', // who may: decided before anything is written ahead
      'ledger.begin',
      'directory.addPassword',
      'ledger.issued',
      'secretStore.put',
      'ledger.completed',
    ]);
    const [begin, issued, completed] = ledger.steps;
    expect((begin as { intent: OperationIntent }).intent).toEqual({
      operation: 'addSecret',
      context: context.trace,
      appId: app.appId,
      credentialDisplayName: 'ci',
      startDateTime: secret.startDateTime,
      endDateTime: secret.endDateTime,
    });
    expect(issued).toEqual({ step: 'issued', details: { appId: app.appId, keyId: secret.keyId } });
    expect(completed).toEqual({
      step: 'completed',
      details: {
        appId: app.appId,
        keyId: secret.keyId,
        secretName: secret.keyVault.secretName,
        secretVersion: secret.keyVault.version,
      },
    });
    expect(ledger.open.size).toBe(0);
  });

  it('does nothing when the ledger cannot take the intent: no Graph call, no vault write, the 503 goes up', async () => {
    const { deps, ledger, directory, secretStore, app, context } = setup();
    const outage = ledgerDown();
    ledger.failOn('beginOperation', outage);
    await expect(issueSecret(deps, app.appId, {}, context)).rejects.toBe(outage);
    expect(directory.callsTo('addPassword')).toEqual([]);
    expect(secretStore.calls).toEqual([]);
  });

  it('checks the lifetime policy before writing anything', async () => {
    const { deps, ledger, app, context } = setup();
    await expect(issueSecret(deps, app.appId, { lifetimeDays: 999 }, context)).rejects.toThrow(/maximum/);
    expect(ledger.steps).toEqual([]);
  });

  it('closes the record when Graph refused (nothing was made) and keeps it open when Graph may have acted', async () => {
    const refused = setup();
    refused.directory.failOn('addPassword', new NotFoundError('no such app'));
    await expect(issueSecret(refused.deps, refused.app.appId, {}, refused.context)).rejects.toThrow('no such app');
    expect(refused.ledger.stepNames()).toEqual(['begin', 'abandoned']);
    expect(refused.ledger.open.size).toBe(0);

    // A 503 or a dropped connection after a non-idempotent write: the credential may exist, so the rollback looks for
    // it by its slot and window; the answer came back, so one look settles it. Nothing there: closed.
    const unsure = setup();
    unsure.directory.failOn('addPassword', graphDown());
    await expect(issueSecret(unsure.deps, unsure.app.appId, {}, unsure.context)).rejects.toThrow('graph down');
    expect(unsure.ledger.stepNames()).toEqual(['begin', 'abandoned']);
    expect(unsure.ledger.open.size).toBe(0);

    // Cut off at the deadline while in flight: it may still land after every look, so the record stays open.
    const cut = setup();
    cut.directory.failOn('addPassword', new DeadlineExceededError('too slow', 5, 'graph'));
    await expect(issueSecret(cut.deps, cut.app.appId, {}, cut.context)).rejects.toThrow('too slow');
    expect(cut.ledger.stepNames()).toEqual(['begin']);
    expect(cut.ledger.open.size).toBe(1);
  });

  it('records the compensation: compensated when the credential was removed, compensationFailed when not', async () => {
    const undone = setup();
    undone.secretStore.failOn('put', new UpstreamFailureError('vault refused', 'keyVault', 'Forbidden'));
    await expect(issueSecret(undone.deps, undone.app.appId, {}, undone.context)).rejects.toThrow('vault refused');
    const keyId = undone.directory.issuedKeyIds[0]!;
    expect(undone.ledger.steps.slice(1)).toEqual([
      { step: 'issued', details: { appId: undone.app.appId, keyId } },
      { step: 'compensated', details: { appId: undone.app.appId, keyId } },
    ]);
    expect(undone.ledger.open.size).toBe(0);

    const stuck = setup();
    stuck.secretStore.failOn('put', new UpstreamFailureError('vault refused', 'keyVault', 'Forbidden'));
    stuck.directory.failOn('removePassword', graphDown());
    await expect(issueSecret(stuck.deps, stuck.app.appId, {}, stuck.context)).rejects.toThrow('vault refused');
    const stuckKeyId = stuck.directory.issuedKeyIds[0]!;
    expect(stuck.ledger.steps.at(-1)).toEqual({
      step: 'compensationFailed',
      details: { appId: stuck.app.appId, keyId: stuckKeyId, step: 'removePassword' },
    });
    expect(stuck.ledger.open.size).toBe(1);
    expect(stuck.warn).toHaveBeenCalledWith(expect.stringMatching(/the expiry scan will/), {
      appId: stuck.app.appId,
      keyId: stuckKeyId,
      step: 'removePassword',
    });
  });

  it('answers with the stored secret when the ledger fails after Graph acted, and tells the operator', async () => {
    const { deps, ledger, directory, app, context, warn } = setup();
    ledger.failOn('issued', ledgerDown());
    ledger.failOn('completed', ledgerDown());
    const secret = await issueSecret(deps, app.appId, {}, context);
    expect(secret.keyId).toBe(directory.issuedKeyIds[0]);
    expect(warn).toHaveBeenCalledTimes(2);
    for (const [message, details] of warn.mock.calls) {
      expect(message).toMatch(/expiry scan will reconcile/);
      expect(details).toMatchObject({ appId: app.appId, keyId: secret.keyId });
      expect(details.operationRecord).toMatch(/^2026-.*\|/);
    }
    // The record stays open: the scan finds a consistent credential and closes it.
    expect(ledger.open.size).toBe(1);
  });

  it('runs the test pause point between the progress record and the vault write', async () => {
    const { deps, app, context, order } = setup();
    const seen: string[] = [];
    deps.testHooks = {
      beforeVaultWrite: () => {
        seen.push(order().join(','));
        return Promise.resolve();
      },
    };
    await issueSecret(deps, app.appId, {}, context);
    expect(seen).toEqual(['directory.getApplication,ledger.begin,directory.addPassword,ledger.issued']);
  });

  it('never hands a secret value to the ledger', async () => {
    const { deps, ledger, directory, app, context } = setup();
    await issueSecret(deps, app.appId, {}, context);
    const written = JSON.stringify(ledger.steps);
    for (const value of directory.issuedSecretTexts) expect(written).not.toContain(value);
  });
});

describe('the write-ahead record of createApplication', () => {
  it('writes the intent before POST /applications and completes after the vault write', async () => {
    const { deps, ledger, context, order } = setup();
    const created = await createApplication(deps, { displayName: 'orders', secret: { displayName: 'main' } }, context);
    expect(order()).toEqual([
      'ledger.begin',
      'directory.createApplication',
      'ledger.issued',
      'directory.createServicePrincipal',
      'secretStore.put',
      'ledger.completed',
    ]);
    expect((ledger.steps[0] as { intent: OperationIntent }).intent).toMatchObject({
      operation: 'createApplication',
      applicationDisplayName: 'orders',
      credentialDisplayName: 'main',
    });
    expect(ledger.steps[1]).toEqual({
      step: 'issued',
      details: { appId: created.application.appId, objectId: created.application.id, keyId: created.secret!.keyId },
    });
    expect(ledger.steps[2]).toEqual({
      step: 'completed',
      details: {
        appId: created.application.appId,
        keyId: created.secret!.keyId,
        secretName: created.secret!.keyVault.secretName,
        secretVersion: created.secret!.keyVault.version,
      },
    });
  });

  it('creates nothing when the ledger is unreachable', async () => {
    const { deps, ledger, directory, context } = setup();
    ledger.failOn('beginOperation', ledgerDown());
    await expect(createApplication(deps, { displayName: 'orders' }, context)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(directory.calls).toEqual([]);
  });

  it('records a deleted app as compensated and an undeletable one as compensationFailed', async () => {
    const undone = setup();
    undone.directory.failOn('createServicePrincipal', graphDown());
    await expect(createApplication(undone.deps, { displayName: 'x' }, undone.context)).rejects.toThrow('graph down');
    const app = undone.directory.createdApplications[0]!;
    expect(undone.ledger.steps.at(-1)).toEqual({
      step: 'compensated',
      details: { appId: app.appId, objectId: app.id, keyId: undone.directory.issuedKeyIds[0] },
    });
    expect(undone.ledger.open.size).toBe(0);

    const stuck = setup();
    stuck.secretStore.failOn('put', new UpstreamFailureError('vault refused', 'keyVault', 'Forbidden'));
    stuck.directory.failOn('deleteApplication', graphDown());
    await expect(createApplication(stuck.deps, { displayName: 'x' }, stuck.context)).rejects.toThrow('vault refused');
    expect(stuck.ledger.steps.at(-1)).toMatchObject({
      step: 'compensationFailed',
      details: { step: 'deleteApplication', appId: stuck.directory.createdApplications[0]!.appId },
    });
    expect(stuck.ledger.open.size).toBe(1);
  });
});

describe('the write-ahead record of revokeSecret', () => {
  it('reads first, writes the intent before removePassword and completes after the vault version is disabled', async () => {
    const { deps, ledger, app, context, order } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context);
    ledger.steps.length = 0;
    const before = order().length;
    await revokeSecret(deps, app.appId, issued.keyId, context);
    expect(order().slice(before)).toEqual([
      'directory.getOwnedApplication',
      'ledger.begin',
      'directory.removePassword',
      'ledger.issued',
      'secretStore.listVersions',
      'secretStore.disableVersion',
      // It was the slot's newest: the slot now serves a disabled version, and no other credential is left to restore.
      'secretStore.currentVersion',
      'secretStore.listVersions',
      'ledger.completed',
    ]);
    expect(ledger.steps.at(-1)).toEqual({
      step: 'completed',
      details: {
        appId: app.appId,
        keyId: issued.keyId,
        secretName: issued.keyVault.secretName,
        secretVersion: issued.keyVault.version,
      },
    });
  });

  it('leaves the record open (state unfinished, naming the step) when the vault step fails after the removal', async () => {
    const { deps, ledger, secretStore, app, context } = setup();
    const issued = await issueSecret(deps, app.appId, {}, context);
    secretStore.failOn('disableVersion', new UpstreamFailureError('vault refused', 'keyVault', 'Forbidden'));
    await expect(revokeSecret(deps, app.appId, issued.keyId, context)).rejects.toBeInstanceOf(OperationUnfinishedError);
    expect(ledger.stepNames().slice(-3)).toEqual(['begin', 'issued', 'unfinished']);
    expect(ledger.open.size).toBe(1);
    expect([...ledger.marks.values()]).toEqual([
      {
        state: 'unfinished',
        appId: app.appId,
        keyId: issued.keyId,
        secretName: issued.keyVault.secretName,
        step: 'disableVersion',
      },
    ]);
  });
});

describe('the write-ahead record and who may', () => {
  it('decides who may before writing anything ahead: a caller that may not manage the app leaves no record', async () => {
    const { deps, ledger, app } = setup();
    const stranger = requestContext(testCaller({ roles: [APP_ROLES.secretCreate, APP_ROLES.appCreate] }));
    await expect(issueSecret(deps, app.appId, {}, stranger)).rejects.toBeInstanceOf(NotFoundError);
    const issued = await issueSecret(deps, app.appId, {}, requestContext(CALLER));
    await expect(revokeSecret(deps, app.appId, issued.keyId, stranger)).rejects.toBeInstanceOf(NotFoundError);
    await expect(setApplicationOwners(deps, app.appId, [stranger.caller.id], stranger)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(ledger.steps.map((s) => (s.step === 'begin' ? s.intent.context.caller.id : s.step))).toEqual([
      CALLER.id,
      'issued',
      'completed',
    ]);
  });
});

describe('the write-ahead record of setApplicationOwners', () => {
  it('writes the intent with the new owners before the PATCH and completes with them after it', async () => {
    const { deps, ledger, app, context, order } = setup();
    const next = [crypto.randomUUID(), CALLER.id];
    await setApplicationOwners(deps, app.appId, next, context);
    expect(order()).toEqual([
      'directory.getOwnedApplication',
      'ledger.begin',
      'directory.setApplicationTags',
      'ledger.completed',
    ]);
    expect(ledger.steps[0]).toEqual({
      step: 'begin',
      intent: { operation: 'setApplicationOwners', context: context.trace, appId: app.appId, owners: next },
    });
    expect(ledger.steps[1]).toEqual({ step: 'completed', details: { appId: app.appId, owners: next } });
    expect(ledger.open.size).toBe(0);
  });

  it('changes no owner while the ledger cannot take the intent: the 503 goes up, no PATCH', async () => {
    const { deps, ledger, directory, app, context } = setup();
    const outage = ledgerDown();
    ledger.failOn('beginOperation', outage);
    await expect(setApplicationOwners(deps, app.appId, [CALLER.id], context)).rejects.toBe(outage);
    expect(directory.callsTo('setApplicationTags')).toEqual([]);
  });

  it('closes the record when Graph refused the PATCH, keeps it open when Graph may have acted', async () => {
    const refused = setup();
    refused.directory.failOn('setApplicationTags', new NotFoundError('gone'));
    await expect(setApplicationOwners(refused.deps, refused.app.appId, [CALLER.id], refused.context)).rejects.toThrow(
      'gone',
    );
    expect(refused.ledger.stepNames()).toEqual(['begin', 'abandoned']);
    const unsure = setup();
    unsure.directory.failOn('setApplicationTags', graphDown());
    await expect(setApplicationOwners(unsure.deps, unsure.app.appId, [CALLER.id], unsure.context)).rejects.toThrow(
      'graph down',
    );
    expect(unsure.ledger.stepNames()).toEqual(['begin']);
    expect(unsure.ledger.open.size).toBe(1);
  });
});
