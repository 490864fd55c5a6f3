import { randomUUID } from 'node:crypto';
import { MANAGED_BY_TAG } from '../../../../src/vending/issueSecret';
import { ownerTag } from '../../../../src/vending/ownership';
import { InterruptedOperation } from '../../../../src/vending/ports';
import { madeBy, repairInterrupted } from '../../../../src/vending/scan/interrupted';
import { secretNameFor } from '../../../../src/vending/secretNaming';
import { fakeVendingDependencies, NOW } from '../fakes';

const START = NOW.toISOString();
const END = new Date(NOW.getTime() + 30 * 24 * 3600 * 1000).toISOString();

function setup() {
  const fakes = fakeVendingDependencies();
  const app = fakes.directory.seedApplication('interrupted');
  const plant = (displayName: string) => {
    const keyId = randomUUID();
    fakes.directory.apps.get(app.appId)!.passwordCredentials.push({
      keyId,
      displayName,
      hint: 'abc',
      startDateTime: START,
      endDateTime: END,
    });
    return keyId;
  };
  const store = (displayName: string, keyId: string) =>
    fakes.secretStore.put(secretNameFor(app.appId, displayName), 'value', {
      contentType: 'text/plain',
      notBefore: NOW,
      expiresOn: new Date(END),
      tags: { ...MANAGED_BY_TAG, appId: app.appId, keyId },
    });
  const op = (fields: Partial<InterruptedOperation>): InterruptedOperation => ({
    id: randomUUID(),
    operation: 'addSecret',
    state: 'started',
    correlationId: randomUUID(),
    receivedAt: START,
    updatedAt: START,
    callerId: 'caller',
    appId: app.appId,
    credentialDisplayName: 'default',
    startDateTime: START,
    endDateTime: END,
    ...fields,
  });
  const keyIds = () => fakes.directory.apps.get(app.appId)!.passwordCredentials.map((c) => c.keyId);
  return { ...fakes, app, plant, store, op, keyIds };
}

describe('repairInterrupted', () => {
  it('addSecret started: finds what Graph made by slot and window; unstored → removed, stored → completed', async () => {
    const t = setup();
    const lost = t.plant('default');
    const other = t.plant('other');
    expect(await repairInterrupted(t.deps, t.op({}))).toMatchObject({ outcome: 'rolledBack', keyId: lost });
    expect(t.keyIds()).toEqual([other]);

    const kept = t.plant('default');
    await t.store('default', kept);
    expect(await repairInterrupted(t.deps, t.op({}))).toMatchObject({ outcome: 'completed', keyId: kept });
    expect(await repairInterrupted(t.deps, t.op({ credentialDisplayName: 'nothing-here' }))).toMatchObject({
      outcome: 'notFound',
    });
  });

  it('addSecret issued or with a failed compensation: the named credential is kept if stored, else removed', async () => {
    const t = setup();
    const lost = t.plant('default');
    expect(await repairInterrupted(t.deps, t.op({ state: 'issued', keyId: lost }))).toMatchObject({
      outcome: 'rolledBack',
    });
    expect(await repairInterrupted(t.deps, t.op({ state: 'issued', keyId: lost }))).toMatchObject({
      outcome: 'notFound',
    });
    const failed = t.plant('default');
    expect(await repairInterrupted(t.deps, t.op({ state: 'compensationFailed', keyId: failed }))).toMatchObject({
      outcome: 'rolledBack',
    });
    expect(t.keyIds()).toEqual([]);
  });

  it('revokeSecret: finishes the removal and disables the version', async () => {
    const t = setup();
    const keyId = t.plant('default');
    await t.store('default', keyId);
    const repair = await repairInterrupted(t.deps, t.op({ operation: 'revokeSecret', keyId }));
    expect(repair).toMatchObject({ outcome: 'completed', keyId });
    expect(t.keyIds()).toEqual([]);
    expect(t.secretStore.secrets.get(secretNameFor(t.app.appId, 'default'))!.map((v) => v.enabled)).toEqual([false]);
  });

  it('createApplication: a half-made app whose first secret is lost is deleted; one made without a secret kept', async () => {
    const t = setup();
    const keyId = t.plant('default');
    const create = { operation: 'createApplication' as const, state: 'issued' as const, objectId: t.app.id };
    expect(await repairInterrupted(t.deps, t.op({ ...create }))).toMatchObject({ outcome: 'completed' });
    expect(await repairInterrupted(t.deps, t.op({ ...create, keyId }))).toMatchObject({ outcome: 'rolledBack' });
    expect(t.directory.apps.has(t.app.appId)).toBe(false);
    expect(await repairInterrupted(t.deps, t.op({ ...create, appId: undefined }))).toMatchObject({
      outcome: 'notFound',
    });
  });

  it('setApplicationOwners: completed when the app carries the owners asked for, else not applied', async () => {
    const t = setup();
    const owners = [randomUUID()];
    const change = { operation: 'setApplicationOwners' as const, owners };
    expect(await repairInterrupted(t.deps, t.op(change))).toMatchObject({ outcome: 'notApplied' });
    t.directory.apps.get(t.app.appId)!.tags = owners.map(ownerTag);
    expect(await repairInterrupted(t.deps, t.op(change))).toMatchObject({ outcome: 'completed' });
  });
});

describe('madeBy', () => {
  it('matches by keyId, or before Graph answered by slot and exact window', () => {
    const t = setup();
    const keyId = t.plant('default');
    const credential = t.directory.apps.get(t.app.appId)!.passwordCredentials[0]!;
    expect(madeBy(t.op({ keyId }), t.app.appId, credential)).toBe(true);
    expect(madeBy(t.op({ keyId: randomUUID() }), t.app.appId, credential)).toBe(false);
    expect(madeBy(t.op({}), t.app.appId, credential)).toBe(true);
    expect(madeBy(t.op({ endDateTime: START }), t.app.appId, credential)).toBe(false);
    expect(madeBy(t.op({}), randomUUID(), credential)).toBe(false);
  });
});
