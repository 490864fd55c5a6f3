import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { createQueueEventSink, credentialEventDataSchema } from '../../../src/azure/queueEvents';
import { createTableScanStore } from '../../../src/azure/tableScanStore';
import { Finding } from '../../../src/vending/scan/findings';
import { ScanLockLostError } from '../../../src/vending/scan/scanErrors';
import { CredentialEvent } from '../../../src/vending/scan/scanPorts';
import { emptyCounts, ScanReport } from '../../../src/vending/scan/scanReport';
import { useEmulators } from '../../support/emulators';
import { useLedgerStorage } from '../../support/ledger';

const T0 = new Date('2026-05-10T08:30:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function report(runId: string, startedAt: Date, findings: Finding[]): ScanReport {
  return {
    runId,
    trigger: 'timer',
    dryRun: false,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    durationMs: 0,
    applications: 1,
    credentials: findings.length,
    keyCredentials: 0,
    vaultSecrets: 0,
    vaultCertificates: 0,
    counts: emptyCounts(),
    outcomes: {},
    findings,
    events: { published: 0, failed: 0 },
    usage: { graph: { calls: 1, throttled: 0, waitMs: 0 }, keyVault: { calls: 1, throttled: 0, waitMs: 0 } },
    settings: { actions: ['events'], graceDays: 7, rotationOverlapDays: 3 },
  };
}

// Azurite as the sandbox runs it; the tests reach it with the account key and create what they use, as Bicep would.
const azurite = useLedgerStorage(useEmulators());

describe('tableScanStore: lock, rotation claims and reports in Azure Table Storage (Azurite)', () => {
  const created = new Set<string>();
  const storeOn = async (table: string) => {
    const client = TableClient.fromConnectionString(azurite().connectionString, table);
    if (!created.has(table)) await client.createTable();
    created.add(table);
    return createTableScanStore(client);
  };

  it('gives the lock to one run at a time; an expired lease is taken over by conditional write', async () => {
    const store = await storeOn('lockA');
    const first = await store.acquireLock('run-1', T0, 60_000);
    expect(first?.runId).toBe('run-1');
    expect(await store.acquireLock('run-2', at(30_000), 60_000)).toBeUndefined();
    await first!.renew(at(50_000)); // now held until +110 s
    expect(await store.acquireLock('run-2', at(100_000), 60_000)).toBeUndefined();

    // Two runs race for the expired lease: exactly one wins.
    const racers = await Promise.all([
      (await storeOn('lockA')).acquireLock('run-3', at(120_000), 60_000),
      (await storeOn('lockA')).acquireLock('run-4', at(120_000), 60_000),
    ]);
    expect(racers.filter((l) => l !== undefined)).toHaveLength(1);
    await expect(first!.renew(at(121_000))).rejects.toBeInstanceOf(ScanLockLostError);
    await first!.release(); // not ours any more: the winner keeps it
    expect(await store.acquireLock('run-5', at(130_000), 60_000)).toBeUndefined();

    await racers.find((l) => l !== undefined)!.release();
    expect((await store.acquireLock('run-5', at(130_000), 60_000))?.runId).toBe('run-5');
  });

  it("lets one run claim a credential's rotation; a stale claim is taken over; a done one names its successor", async () => {
    const store = await storeOn('claims');
    const keyId = randomUUID();
    const claims = await Promise.all([
      store.claimRotation(keyId, 'run-1', T0, 60_000),
      store.claimRotation(keyId, 'run-2', T0, 60_000),
    ]);
    expect(claims.map((c) => c.state).sort()).toEqual(['busy', 'claimed']);
    expect(await store.claimRotation(keyId, 'run-3', at(30_000), 60_000)).toEqual({ state: 'busy' });
    expect(await store.claimRotation(keyId, 'run-3', at(61_000), 60_000)).toEqual({ state: 'claimed' });
    await store.completeRotation(keyId, 'run-3', 'successor-key', at(62_000));
    expect(await store.claimRotation(keyId, 'run-4', at(10 * 60_000), 60_000)).toEqual({
      state: 'done',
      successorKeyId: 'successor-key',
    });
  });

  it('keeps reports with any number of findings and serves the newest', async () => {
    const store = await storeOn('reports');
    expect(await store.latestReport()).toBeUndefined();
    const findings: Finding[] = Array.from({ length: 700 }, (_, i) => ({
      appId: randomUUID(),
      keyId: randomUUID(),
      class: i % 2 === 0 ? 'expiring' : 'stale',
      action: 'none',
      outcome: 'none',
      secretName: `app-${'x'.repeat(36)}-slot-${i}`,
    }));
    await store.saveReport(report('older', T0, []));
    const newest = report('newest', at(86_400_000), findings);
    await store.saveReport(newest);
    expect(await store.latestReport()).toEqual(newest);
  });
});

describe('queueEvents: CloudEvents 1.0 on an Azure Storage queue (Azurite)', () => {
  it('sends one JSON CloudEvent per finding, whose data matches the documented schema', async () => {
    const queue = QueueServiceClient.fromConnectionString(azurite().connectionString).getQueueClient('events-a');
    await queue.create();
    const sink = createQueueEventSink(queue, { source: 'urn:entra-app-vending:test' });
    const appId = randomUUID();
    const events: CredentialEvent[] = ['expiring', 'expired', 'stale'].map((cls) => {
      const keyId = randomUUID();
      return {
        id: `${appId}:${keyId}:${cls}`,
        type: `com.entra-app-vending.credential.${cls}`,
        subject: `applications/${appId}/passwordCredentials/${keyId}`,
        time: T0.toISOString(),
        data: {
          runId: 'run-1',
          appId,
          keyId,
          class: cls as Finding['class'],
          action: 'none',
          outcome: 'none',
          credentialDisplayName: null,
          endDateTime: T0.toISOString(),
        },
      };
    });
    expect(await sink.publish(events)).toEqual({ published: 3, failed: 0 });

    const received = await queue.receiveMessages({ numberOfMessages: 32 });
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    const validData = ajv.compile(credentialEventDataSchema);
    const bodies = received.receivedMessageItems.map((m) => JSON.parse(m.messageText) as Record<string, unknown>);
    expect(bodies.map((b) => b.id).sort()).toEqual(events.map((e) => e.id).sort());
    for (const body of bodies) {
      expect(body).toMatchObject({
        specversion: '1.0',
        source: 'urn:entra-app-vending:test',
        datacontenttype: 'application/json',
        time: T0.toISOString(),
      });
      expect({ data: body.data, valid: validData(body.data), errors: validData.errors ?? null }).toMatchObject({
        valid: true,
        errors: null,
      });
    }
  });

  it('counts messages it could not send instead of failing the scan', async () => {
    const queue = QueueServiceClient.fromConnectionString(azurite().connectionString).getQueueClient('never-created');
    const sink = createQueueEventSink(queue, { source: 'urn:x' });
    const result = await sink.publish([
      { id: '1', type: 't', subject: 's', time: T0.toISOString(), data: {} as CredentialEvent['data'] },
    ]);
    expect(result).toEqual({ published: 0, failed: 1 });
  });
});
