import { createApplication } from '../../../src/vending/createApplication';
import { issueSecret } from '../../../src/vending/issueSecret';
import { useEmulators, useFunctionIdentity } from '../../support/emulators';
import { ledgerRows, useLedgerStorage } from '../../support/ledger';
import { CALLER, DAY_MS, startScanHarness } from '../../support/scanHarness';

describe('interrupted requests: the scan leaves in-flight ones alone and settles the ones the ledger left open', () => {
  const emulators = useEmulators();
  const storage = useLedgerStorage(emulators);
  useFunctionIdentity(emulators);

  it('keeps an in-flight orphan, then rolls back the interrupted secret and closes its ledger record', async () => {
    // No grace: an orphan would be removed at once, unless its request is still in flight.
    const harness = startScanHarness(emulators(), storage(), { SCAN_GRACE_DAYS: '0' });
    const created = await createApplication(
      harness.services.vending,
      { displayName: 'interrupted', secret: { displayName: 'default', lifetimeDays: 30 } },
      CALLER,
    );
    const appId = created.application.appId;
    const crashing = harness.crashingInstance();
    void issueSecret(crashing.vending, appId, { displayName: 'ci', lifetimeDays: 30 }, CALLER);
    await crashing.stuck;
    const lost = (await harness.application(appId)).passwordCredentials.find((c) => c.displayName === 'ci')!.keyId;
    const openIntents = async () =>
      (await ledgerRows(storage())).filter((r) => r.partitionKey === 'intent' && r.appId === appId);
    expect(await openIntents()).toHaveLength(1);

    await harness.runTimer();
    const inFlight = (await harness.services.scan.latest())!;
    expect(inFlight.findings.find((f) => f.keyId === lost)).toMatchObject({
      class: 'orphaned',
      action: 'removeCredential',
      outcome: 'inFlight',
    });
    expect(inFlight.counts.interrupted).toBe(0);

    // A quarter of an hour later no request is still running: the open record is an interrupted one.
    await harness.advance(16 * 60_000);
    await harness.runTimer();
    const settled = (await harness.services.scan.latest())!;
    expect(settled.counts.interrupted).toBe(1);
    expect(settled.findings.find((f) => f.class === 'interrupted')).toMatchObject({
      appId,
      keyId: lost,
      action: 'recover',
      outcome: 'done',
      operation: 'addSecret',
      resolution: 'rolledBack',
    });
    expect((await harness.application(appId)).passwordCredentials.map((c) => c.keyId)).toEqual([created.secret!.keyId]);
    expect(await openIntents()).toEqual([]);
    const events = await harness.drainEvents();
    expect(events.find((e) => e.type === 'com.entra-app-vending.credential.interrupted')).toMatchObject({
      subject: `applications/${appId}/passwordCredentials/${lost}`,
      data: { resolution: 'rolledBack', outcome: 'done' },
    });

    // Nothing is left to settle.
    await harness.advance(DAY_MS);
    await harness.runTimer();
    expect((await harness.services.scan.latest())!.counts).toMatchObject({ interrupted: 0, orphaned: 0 });
  });
});
