import { randomUUID } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { createTableLedger, LEDGER_PARTITIONS } from '../../../src/azure/tableLedger';
import { answerOnce, DEFAULT_IDEMPOTENCY_SETTINGS } from '../../../src/http/idempotency';
import { InvalidRequestError, UpstreamUnavailableError } from '../../../src/vending/errors';
import { IdempotencyRecord, RequestTrace, StoredAnswer } from '../../../src/vending/ports';
import { LEDGER_TABLE } from '../../../sandbox/sandbox';
import { useEmulators, useFunctionIdentity } from '../../support/emulators';
import { ledgerRows, useLedgerStorage } from '../../support/ledger';

const FAST_RETRY = { retryOptions: { maxRetries: 1, retryDelayInMs: 50, maxRetryDelayInMs: 100 } };

describe('tableLedger over Azurite, reached by managed identity as in Azure', () => {
  const emulators = useEmulators();
  const identity = useFunctionIdentity(emulators);
  const azurite = useLedgerStorage(emulators);
  let now = Date.parse('2026-05-10T08:00:00.000Z');
  const clock = () => new Date(now);
  const table = () => new TableClient(azurite().tableServiceUri, LEDGER_TABLE, identity(), FAST_RETRY);
  const adapters = () => createTableLedger(table(), { clock });
  const context = (receivedAt: string, callerId = 'caller-1'): RequestTrace => ({
    caller: {
      id: callerId,
      roles: ['Secret.Create'],
      appId: 'c0ffee00-0000-4000-8000-000000000001',
      name: 'ops@contoso',
    },
    correlationId: randomUUID(),
    receivedAt: new Date(receivedAt),
  });

  it('is refused by Azurite with a token for another audience: the identity path is real, not open', async () => {
    const vaultToken = await identity().getToken('https://vault.azure.net/.default');
    const wrongAudience: TokenCredential = { getToken: (): Promise<AccessToken | null> => Promise.resolve(vaultToken) };
    const { ledger } = createTableLedger(
      new TableClient(azurite().tableServiceUri, LEDGER_TABLE, wrongAudience, FAST_RETRY),
    );
    await expect(
      ledger.recordRequest({ operation: 'listSecrets', context: context('2026-05-10T08:00:00.000Z'), status: 200 }),
    ).rejects.toMatchObject({ status: 503, upstream: 'ledger' });
  });

  it('answers 503 (UpstreamUnavailable, ledger) when the table service cannot be reached', async () => {
    const { ledger, idempotency } = createTableLedger(
      new TableClient('https://127.0.0.1:9/devstoreaccount1', LEDGER_TABLE, identity(), FAST_RETRY),
    );
    const begin = ledger.beginOperation({ operation: 'addSecret', context: context('2026-05-10T08:00:00.000Z') });
    await expect(begin).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(begin).rejects.toMatchObject({ status: 503, upstream: 'ledger', retryAfterSeconds: 5 });
    await expect(idempotency.read('x')).rejects.toMatchObject({ status: 503 });
  });

  describe('idempotency records', () => {
    const record = (overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
      scope: 'caller-1',
      key: 'k',
      fingerprint: 'fp',
      state: 'inFlight',
      correlationId: 'corr',
      claimedAt: '2026-05-10T08:00:00.000Z',
      leaseUntil: '2026-05-10T08:02:10.000Z',
      expiresAt: '2026-05-11T08:00:00.000Z',
      ...overrides,
    });

    it('inserts only once, and replaces and deletes only at the ETag that was read', async () => {
      const { idempotency } = adapters();
      const id = randomUUID();
      const etag = await idempotency.create(id, record());
      expect(etag).toEqual(expect.any(String));
      expect(await idempotency.create(id, record({ correlationId: 'other' }))).toBeUndefined();
      expect(await idempotency.read(id)).toEqual({ record: record(), etag });

      const answer: StoredAnswer = {
        status: 201,
        headers: { 'content-type': 'application/json', location: '/api/x' },
        body: '{"keyId":"k1"}',
        target: { appId: 'a', keyId: 'k1' },
      };
      const saved = await idempotency.replace(id, record({ state: 'completed', answer }), etag!);
      expect(saved).toEqual(expect.any(String));
      expect(saved).not.toBe(etag);
      expect(await idempotency.replace(id, record(), etag!)).toBeUndefined(); // stale
      expect((await idempotency.read(id))?.record).toEqual(record({ state: 'completed', answer }));
      expect(await idempotency.remove(id, etag!)).toBe(false); // stale
      expect(await idempotency.remove(id, saved!)).toBe(true);
      expect(await idempotency.read(id)).toBeUndefined();
      expect(await idempotency.replace(id, record(), saved!)).toBeUndefined(); // gone
    });

    it('purges expired records only, each by the ETag it was listed with', async () => {
      const { idempotency } = adapters();
      const [expired, live] = [randomUUID(), randomUUID()];
      await idempotency.create(expired, record({ expiresAt: '2026-05-09T00:00:00.000Z' }));
      await idempotency.create(live, record({ expiresAt: '2026-05-11T00:00:00.000Z' }));
      const purged = await idempotency.purgeExpired(new Date('2026-05-10T00:00:00.000Z'));
      expect(purged).toBeGreaterThanOrEqual(1);
      expect(await idempotency.read(expired)).toBeUndefined();
      expect(await idempotency.read(live)).toBeDefined();
      // Nothing but idempotency records is ever purged.
      const kinds = new Set((await ledgerRows(azurite())).map((row) => row.kind));
      expect(kinds.has('idempotency')).toBe(true);
    });

    it('lets one of two instances (two clients) run the work for one key; the other replays it', async () => {
      const instances = [adapters(), adapters()];
      const runtimeOf = (store: (typeof instances)[number]['idempotency']) => ({
        store,
        clock: () => new Date(),
        sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)),
        settings: DEFAULT_IDEMPOTENCY_SETTINGS,
        warn: jest.fn(),
      });
      let runs = 0;
      const work = async (): Promise<StoredAnswer> => {
        runs++;
        await new Promise((done) => setTimeout(done, 200));
        return { status: 201, headers: {}, body: `{"run":${runs}}` };
      };
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          answerOnce(
            runtimeOf(instances[i % 2]!.idempotency),
            { scope: 'caller-1', key, fingerprint: 'fp', correlationId: `c${i}` },
            work,
          ),
        ),
      );
      await Promise.all(answers.map((a) => a.settled));
      expect(runs).toBe(1);
      expect(new Set(answers.map((a) => a.answer.body))).toEqual(new Set(['{"run":1}']));
      expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    });
  });

  describe('operation records', () => {
    it('keeps an intent open from begin to completion, then puts the operation on the audit trail of its day and app', async () => {
      const { ledger } = adapters();
      const ctx = context('2026-05-10T08:00:01.000Z');
      const appId = randomUUID();
      const journal = await ledger.beginOperation({
        operation: 'addSecret',
        context: ctx,
        appId,
        credentialDisplayName: 'ci',
        startDateTime: '2026-05-10T08:00:01.000Z',
        endDateTime: '2026-06-09T08:00:01.000Z',
      });
      now = Date.parse('2026-05-10T08:00:02.000Z');
      await journal.issued({ appId, keyId: 'key-1' });
      const open = await collect(ledger.listInterrupted(new Date('2026-05-10T09:00:00.000Z')));
      expect(open.find((o) => o.id === journal.id)).toEqual({
        id: journal.id,
        operation: 'addSecret',
        state: 'issued',
        correlationId: ctx.correlationId,
        receivedAt: '2026-05-10T08:00:01.000Z',
        updatedAt: '2026-05-10T08:00:02.000Z',
        callerId: 'caller-1',
        appId,
        keyId: 'key-1',
        credentialDisplayName: 'ci',
        startDateTime: '2026-05-10T08:00:01.000Z',
        endDateTime: '2026-06-09T08:00:01.000Z',
      });
      // Not older than the cut-off: not yet interrupted (its request may still be running).
      expect(
        (await collect(ledger.listInterrupted(new Date('2026-05-10T08:00:00.500Z')))).map((o) => o.id),
      ).not.toContain(journal.id);

      await journal.completed({ appId, keyId: 'key-1', secretName: `app-${appId}-ci`, secretVersion: 'v1' });
      expect((await collect(ledger.listInterrupted(new Date('2026-05-11T00:00:00Z')))).map((o) => o.id)).not.toContain(
        journal.id,
      );
      const page = await ledger.queryRequests({ appId, pageSize: 10 });
      expect(page.records).toEqual([
        {
          time: '2026-05-10T08:00:01.000Z',
          operation: 'addSecret',
          correlationId: ctx.correlationId,
          caller: { id: 'caller-1', appId: ctx.caller.appId, name: 'ops@contoso', roles: ['Secret.Create'] },
          appId,
          keyId: 'key-1',
          secretName: `app-${appId}-ci`,
          secretVersion: 'v1',
          operationState: 'completed',
        },
      ]);
      // The edge's record of the same request merges into the same entity (no duplicate).
      await ledger.recordRequest({ operation: 'addSecret', context: ctx, status: 201, appId, keyId: 'key-1' });
      const merged = (await ledger.queryRequests({ appId, pageSize: 10 })).records;
      expect(merged).toHaveLength(1);
      expect(merged[0]).toMatchObject({ status: 201, operationState: 'completed', secretVersion: 'v1' });
      const rows = (await ledgerRows(azurite())).filter((r) => r.correlationId === ctx.correlationId);
      expect(rows.map((r) => r.partitionKey).sort()).toEqual([`app|${appId}`, 'day|2026-05-10']);
    });

    it('writes an owner change ahead with the owners it writes; a resolution keeps the caller on the record', async () => {
      const { ledger } = adapters();
      const ctx = context('2026-05-10T05:00:00.000Z');
      const appId = randomUUID();
      const owners = [randomUUID(), randomUUID()];
      const done = await ledger.beginOperation({ operation: 'setApplicationOwners', context: ctx, appId, owners });
      await done.completed({ appId, owners });
      await ledger.recordRequest({ operation: 'setApplicationOwners', context: ctx, status: 200, appId });
      expect((await ledger.queryRequests({ appId, pageSize: 5 })).records).toEqual([
        {
          time: '2026-05-10T05:00:00.000Z',
          operation: 'setApplicationOwners',
          correlationId: ctx.correlationId,
          caller: { id: 'caller-1', appId: ctx.caller.appId, name: 'ops@contoso', roles: ['Secret.Create'] },
          appId,
          owners,
          status: 200,
          operationState: 'completed',
        },
      ]);

      // A process that died after the intent: the scan sees which owners were being written, and settles it.
      const later = context('2026-05-10T05:00:01.000Z');
      const stuck = await ledger.beginOperation({ operation: 'setApplicationOwners', context: later, appId, owners });
      await ledger.recordRequest({ operation: 'setApplicationOwners', context: later, status: 503, appId });
      const [open] = (await collect(ledger.listInterrupted(new Date('2026-05-10T06:00:00Z')))).filter(
        (o) => o.id === stuck.id,
      );
      expect(open).toMatchObject({ operation: 'setApplicationOwners', state: 'started', appId, owners });
      await ledger.resolveInterrupted(open!, { outcome: 'completed', resolvedBy: 'expiryScan' });
      const settled = (await ledger.queryRequests({ appId, pageSize: 5 })).records.find(
        (r) => r.correlationId === later.correlationId,
      );
      expect(settled).toMatchObject({
        operationState: 'completed',
        caller: { id: 'caller-1', appId: ctx.caller.appId, name: 'ops@contoso', roles: ['Secret.Create'] },
      });
    });

    it('keeps a failed compensation open and on the record; the scan resolves it and closes it', async () => {
      const { ledger } = adapters();
      const ctx = context('2026-05-10T07:00:00.000Z');
      const appId = randomUUID();
      const journal = await ledger.beginOperation({ operation: 'createApplication', context: ctx });
      await journal.compensationFailed({ appId, objectId: 'obj-1', keyId: 'key-1', step: 'deleteApplication' });
      const [open] = (await collect(ledger.listInterrupted(new Date('2026-05-10T08:00:00Z')))).filter(
        (o) => o.id === journal.id,
      );
      expect(open).toMatchObject({ state: 'compensationFailed', compensationStep: 'deleteApplication', appId });
      expect((await ledger.queryRequests({ appId, pageSize: 5 })).records[0]).toMatchObject({
        operation: 'createApplication',
        operationState: 'compensationFailed',
      });

      await ledger.resolveInterrupted(open!, { outcome: 'rolledBack', resolvedBy: 'expiryScan', appId });
      expect((await collect(ledger.listInterrupted(new Date('2026-05-11T00:00:00Z')))).map((o) => o.id)).not.toContain(
        journal.id,
      );
      expect((await ledger.queryRequests({ appId, pageSize: 5 })).records[0]).toMatchObject({
        operationState: 'rolledBack',
      });
    });

    it('closes an intent with nothing made (abandoned) and one that was undone (compensated, on the record)', async () => {
      const { ledger } = adapters();
      const appId = randomUUID();
      const abandoned = await ledger.beginOperation({
        operation: 'addSecret',
        context: context('2026-05-10T06:00:00Z'),
      });
      await abandoned.abandoned();
      await abandoned.abandoned(); // closing twice is harmless
      const undone = await ledger.beginOperation({ operation: 'addSecret', context: context('2026-05-10T06:00:01Z') });
      await undone.compensated({ appId, keyId: 'key-9' });
      const ids = (await collect(ledger.listInterrupted(new Date('2026-05-11T00:00:00Z')))).map((o) => o.id);
      expect(ids).not.toContain(abandoned.id);
      expect(ids).not.toContain(undone.id);
      expect((await ledger.queryRequests({ appId, pageSize: 5 })).records[0]).toMatchObject({
        keyId: 'key-9',
        operationState: 'compensated',
      });
    });
  });

  describe('audit queries', () => {
    it('reads one app, or a time range across day partitions, oldest first, in pages bound to their query', async () => {
      const { ledger } = adapters();
      const appId = randomUUID();
      const times = [
        '2030-01-01T23:59:58.000Z',
        '2030-01-02T00:00:00.000Z',
        '2030-01-02T12:00:00.000Z',
        '2030-01-03T00:00:00.000Z',
        '2030-01-03T00:00:01.000Z',
      ];
      for (const [i, time] of times.entries()) {
        await ledger.recordRequest({
          operation: i % 2 ? 'listSecrets' : 'addSecret',
          context: context(time),
          status: i === 3 ? 404 : 200,
          ...(i === 3 ? { problemType: 'NotFound' } : {}),
          appId: i < 4 ? appId : randomUUID(),
          idempotencyKey: `key-${i}`,
          replayed: i === 2,
          logicApps: { runId: `run-${i}`, workflowId: 'wf', actionName: 'Add_secret' },
        });
      }
      const byApp = await ledger.queryRequests({ appId, pageSize: 100 });
      expect(byApp.records.map((r) => r.time)).toEqual(times.slice(0, 4));
      expect(byApp.records[3]).toMatchObject({ status: 404, problemType: 'NotFound', idempotencyKey: 'key-3' });
      expect(byApp.records[2]).toMatchObject({
        replayed: true,
        logicApps: { runId: 'run-2', workflowId: 'wf', actionName: 'Add_secret' },
      });

      // [2030-01-02T00:00, 2030-01-03T00:00:00.500): three records over two day partitions, two per page.
      const range = { from: new Date(times[1]!), to: new Date('2030-01-03T00:00:00.500Z'), pageSize: 2 };
      const seen: string[] = [];
      let page = await ledger.queryRequests(range);
      seen.push(...page.records.map((r) => r.time));
      const tokens: string[] = [];
      while (page.continuationToken) {
        tokens.push(page.continuationToken);
        page = await ledger.queryRequests({ ...range, continuationToken: page.continuationToken });
        seen.push(...page.records.map((r) => r.time));
      }
      expect(seen).toEqual(times.slice(1, 4));
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      await expect(ledger.queryRequests({ appId, pageSize: 2, continuationToken: tokens[0] })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(
        ledger.queryRequests({ appId, pageSize: 2, continuationToken: 'not-a-token' }),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('keeps every kind of record in its own partitions', async () => {
      const rows = await ledgerRows(azurite());
      for (const row of rows) {
        const partition = String(row.partitionKey);
        const expected =
          partition === LEDGER_PARTITIONS.intent
            ? 'intent'
            : partition.startsWith('idem|')
              ? 'idempotency'
              : /^(day|app)\|/.test(partition)
                ? 'request'
                : 'unknown';
        expect({ partition, kind: row.kind }).toEqual({ partition, kind: expected });
      }
    });
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
