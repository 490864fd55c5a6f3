import { HttpRequest } from '@azure/functions';
import {
  answerOnce as answerOnceAndKeep,
  canonicalBody,
  DEFAULT_IDEMPOTENCY_SETTINGS,
  deriveIdempotencyKey,
  idempotencyRecordId,
  IdempotencyRuntime,
  IdempotentRequest,
  isReplayable,
  logicAppsRunOf,
  requestFingerprint,
} from '../../../src/http/idempotency';
import { IdempotencyConflictError, InvalidRequestError, UpstreamUnavailableError } from '../../../src/vending/errors';
import {
  IdempotencyRecord,
  IdempotencyStore,
  StoredAnswer,
  VersionedIdempotencyRecord,
} from '../../../src/vending/ports';

/** An in-memory store with the table's conditional semantics: insert-if-absent, replace/delete-if-ETag. */
class MemoryStore implements IdempotencyStore {
  readonly records = new Map<string, VersionedIdempotencyRecord>();
  private version = 0;
  down = false;

  private check(): void {
    if (this.down) throw new UpstreamUnavailableError('ledger down', 503, 5, 'ledger');
  }
  create(id: string, record: IdempotencyRecord): Promise<string | undefined> {
    this.check();
    if (this.records.has(id)) return Promise.resolve(undefined);
    const etag = `v${++this.version}`;
    this.records.set(id, { record: structuredClone(record), etag });
    return Promise.resolve(etag);
  }
  read(id: string): Promise<VersionedIdempotencyRecord | undefined> {
    this.check();
    const found = this.records.get(id);
    return Promise.resolve(found ? structuredClone(found) : undefined);
  }
  replace(id: string, record: IdempotencyRecord, etag: string): Promise<string | undefined> {
    this.check();
    if (this.records.get(id)?.etag !== etag) return Promise.resolve(undefined);
    const next = `v${++this.version}`;
    this.records.set(id, { record: structuredClone(record), etag: next });
    return Promise.resolve(next);
  }
  remove(id: string, etag: string): Promise<boolean> {
    this.check();
    if (this.records.get(id)?.etag !== etag) return Promise.resolve(false);
    this.records.delete(id);
    return Promise.resolve(true);
  }
  purgeExpired(now: Date): Promise<number> {
    let purged = 0;
    for (const [id, { record }] of this.records) {
      if (Date.parse(record.expiresAt) < now.getTime()) {
        this.records.delete(id);
        purged++;
      }
    }
    return Promise.resolve(purged);
  }
}

const T0 = Date.parse('2026-05-10T08:00:00.000Z');

function runtime(store = new MemoryStore()) {
  const warn = jest.fn();
  const rt: IdempotencyRuntime = {
    store,
    clock: () => new Date(Date.now()),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
    settings: DEFAULT_IDEMPOTENCY_SETTINGS,
    warn,
  };
  return { rt, store, warn };
}

const created = (keyId: string): StoredAnswer => ({
  status: 201,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ keyId }),
  target: { appId: 'app', keyId },
});

/** answerOnce, waiting until the answer is kept (or the claim released), as the edge does before it answers. */
async function answerOnce(
  ...args: Parameters<typeof answerOnceAndKeep>
): Promise<{ answer: StoredAnswer; replayed: boolean }> {
  const { answer, replayed, settled } = await answerOnceAndKeep(...args);
  await settled;
  return { answer, replayed };
}

function request(overrides: Partial<IdempotentRequest> = {}): IdempotentRequest {
  return { scope: 'caller-1', key: 'k-1', fingerprint: 'fp-1', correlationId: 'corr-1', ...overrides };
}

const headers = (values: Record<string, string>) =>
  new HttpRequest({ method: 'POST', url: 'http://x/', headers: values }).headers;

/** Headers a Logic Apps HTTP action sends (from a run's request history), for one run and action. */
const LOGIC_APP = {
  'x-ms-workflow-id': '1e5956dac5b748818eccaf3dd665fb96',
  'x-ms-workflow-system-id': '/locations/westus/scaleunits/prod-40/workflows/1e5956dac5b748818eccaf3dd665fb96',
  'x-ms-workflow-run-id': '08586734240477305429153721775CU46',
  'x-ms-workflow-operation-name': 'Add_secret',
  'x-ms-tracking-id': 'a356c50f-c02e-4f95-b347-d1f11bd5b1b9',
  'x-ms-client-request-id': 'a356c50f-c02e-4f95-b347-d1f11bd5b1b9',
};

describe('idempotency keys', () => {
  it('takes the Idempotency-Key header as sent, quoted (RFC 8941 string) or bare', () => {
    expect(deriveIdempotencyKey(headers({ 'idempotency-key': '"8e03978e-40d5"' }), '')).toEqual({
      key: '8e03978e-40d5',
      source: 'header',
    });
    expect(deriveIdempotencyKey(headers({ 'Idempotency-Key': 'abc' }), '')?.key).toBe('abc');
    // A header beats the Logic Apps derivation.
    expect(deriveIdempotencyKey(headers({ ...LOGIC_APP, 'idempotency-key': 'mine' }), '')?.source).toBe('header');
  });

  it('refuses an empty, over-long or non-ASCII key with a 400 naming the header', () => {
    for (const bad of ['', '""', 'x'.repeat(256), 'clé']) {
      let error: unknown;
      try {
        deriveIdempotencyKey(headers({ 'idempotency-key': bad }), '');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).errors[0]!.pointer).toBe('#/header/Idempotency-Key');
    }
  });

  it('derives a key from the Logic Apps run: the same for a retry, distinct per body, run and action', () => {
    const body = canonicalBody('{"displayName":"ci","lifetimeDays":7}');
    const key = deriveIdempotencyKey(headers(LOGIC_APP), body)!;
    expect(key.source).toBe('logicApps');
    expect(key.key).toMatch(/^logicapps:[0-9a-f]{64}$/);
    // A retry: same headers but new per-attempt tracking ids, same body with other spacing and member order.
    const retry = { ...LOGIC_APP, 'x-ms-tracking-id': 'f00', 'x-ms-client-request-id': 'f00' };
    expect(deriveIdempotencyKey(headers(retry), canonicalBody('{ "lifetimeDays": 7, "displayName": "ci" }'))).toEqual(
      key,
    );
    // A for-each iteration with another item, another run, another action: other keys.
    const others = [
      deriveIdempotencyKey(headers(LOGIC_APP), canonicalBody('{"displayName":"cd","lifetimeDays":7}')),
      deriveIdempotencyKey(headers({ ...LOGIC_APP, 'x-ms-workflow-run-id': '0858673424047730542915372177599' }), body),
      deriveIdempotencyKey(headers({ ...LOGIC_APP, 'x-ms-workflow-operation-name': 'Add_secret_2' }), body),
    ];
    expect(new Set([key.key, ...others.map((k) => k!.key)]).size).toBe(4);
  });

  it('derives nothing without a run, a workflow or an action name (a plain request is not deduplicated)', () => {
    expect(deriveIdempotencyKey(headers({}), '')).toBeUndefined();
    const without = (name: string) => Object.fromEntries(Object.entries(LOGIC_APP).filter(([key]) => key !== name));
    expect(deriveIdempotencyKey(headers(without('x-ms-workflow-operation-name')), '')).toBeUndefined();
    expect(deriveIdempotencyKey(headers(without('x-ms-workflow-run-id')), '')).toBeUndefined();
    // The workflow id alone will do when there is no system id.
    expect(deriveIdempotencyKey(headers(without('x-ms-workflow-system-id')), '')?.source).toBe('logicApps');
  });

  it('reads the Logic Apps run for the audit record', () => {
    expect(logicAppsRunOf(headers(LOGIC_APP))).toEqual({
      runId: LOGIC_APP['x-ms-workflow-run-id'],
      workflowId: LOGIC_APP['x-ms-workflow-system-id'],
      actionName: 'Add_secret',
    });
    expect(logicAppsRunOf(headers({}))).toBeUndefined();
    expect(logicAppsRunOf(headers({ 'x-ms-workflow-run-id': 'has spaces in it' }))).toBeUndefined();
  });

  it('compares bodies canonically and fingerprints method, path and body', () => {
    expect(canonicalBody('{"b":[1,{"d":2,"c":3}],"a":null}')).toBe('{"a":null,"b":[1,{"c":3,"d":2}]}');
    expect(canonicalBody('  ')).toBe('');
    expect(canonicalBody('{not json')).toBe('{not json');
    const fp = requestFingerprint('post', '/api/applications/ABC/secrets', '{}');
    expect(requestFingerprint('POST', '/api/applications/abc/secrets', '{}')).toBe(fp);
    expect(requestFingerprint('POST', '/api/applications/abc/secrets', '{"lifetimeDays":1}')).not.toBe(fp);
    expect(requestFingerprint('POST', '/api/applications', '{}')).not.toBe(fp);
    expect(idempotencyRecordId('caller-1', 'k')).not.toBe(idempotencyRecordId('caller-2', 'k'));
  });

  it('keeps successes and repeatable refusals, not 400, 401/403, 404, 408/409/429 or 5xx', () => {
    const answer = (status: number): StoredAnswer => ({ status, headers: {}, body: '' });
    expect([200, 201, 204, 413, 415, 422].every((s) => isReplayable(answer(s)))).toBe(true);
    expect([400, 401, 403, 404, 408, 409, 429, 500, 502, 503].some((s) => isReplayable(answer(s)))).toBe(false);
    expect(isReplayable({ status: 201, headers: {}, body: 'x'.repeat(30_001) })).toBe(false);
  });
});

describe('answerOnce', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs the work once and replays its answer to the next request with the key', async () => {
    const { rt, store } = runtime();
    const work = jest.fn(() => Promise.resolve(created('key-1')));
    expect(await answerOnce(rt, request(), work)).toEqual({ answer: created('key-1'), replayed: false });
    expect(await answerOnce(rt, request({ correlationId: 'corr-2' }), work)).toEqual({
      answer: created('key-1'),
      replayed: true,
    });
    expect(work).toHaveBeenCalledTimes(1);
    const { record } = [...store.records.values()][0]!;
    expect(record).toMatchObject({
      state: 'completed',
      correlationId: 'corr-1',
      claimedAt: new Date(T0).toISOString(),
      expiresAt: new Date(T0 + 24 * 3600 * 1000).toISOString(),
    });
  });

  it('scopes keys per caller', async () => {
    const { rt } = runtime();
    await answerOnce(rt, request(), () => Promise.resolve(created('key-1')));
    const other = await answerOnce(rt, request({ scope: 'caller-2' }), () => Promise.resolve(created('key-2')));
    expect(other).toEqual({ answer: created('key-2'), replayed: false });
  });

  it('refuses the same key for another request with 422', async () => {
    const { rt } = runtime();
    await answerOnce(rt, request(), () => Promise.resolve(created('key-1')));
    const work = jest.fn(() => Promise.resolve(created('key-2')));
    await expect(answerOnce(rt, request({ fingerprint: 'fp-2' }), work)).rejects.toMatchObject({
      status: 422,
      code: 'IdempotencyKeyReused',
    });
    expect(work).not.toHaveBeenCalled();
  });

  it('lets a second request wait for the first and replay its answer', async () => {
    const { rt } = runtime();
    let finish!: (answer: StoredAnswer) => void;
    const first = answerOnce(rt, request(), () => new Promise<StoredAnswer>((done) => (finish = done)));
    const secondWork = jest.fn(() => Promise.resolve(created('never')));
    const second = answerOnce(rt, request({ correlationId: 'corr-2' }), secondWork);
    await jest.advanceTimersByTimeAsync(3000);
    finish(created('key-1'));
    await expect(first).resolves.toEqual({ answer: created('key-1'), replayed: false });
    await jest.advanceTimersByTimeAsync(1000);
    await expect(second).resolves.toEqual({ answer: created('key-1'), replayed: true });
    expect(secondWork).not.toHaveBeenCalled();
  });

  it('answers 409 with Retry-After when the first is still in flight after the wait', async () => {
    const { rt } = runtime();
    void answerOnce(rt, request(), () => new Promise<StoredAnswer>(() => undefined));
    const second = answerOnce(rt, request({ correlationId: 'corr-2' }), () => Promise.resolve(created('never')));
    const outcome = second.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(DEFAULT_IDEMPOTENCY_SETTINGS.waitMs + 1000);
    const error = (await outcome) as IdempotencyConflictError;
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error.status).toBe(409);
    expect(error.code).toBe('IdempotencyKeyInFlight');
    expect(error.retryAfterSeconds).toBe(10);
  });

  it('releases the key when the answer is not final, so a retry runs the work again', async () => {
    const { rt, store } = runtime();
    const unavailable: StoredAnswer = { status: 503, headers: { 'retry-after': '5' }, body: '{}' };
    expect(await answerOnce(rt, request(), () => Promise.resolve(unavailable))).toEqual({
      answer: unavailable,
      replayed: false,
    });
    expect(store.records.size).toBe(0);
    expect((await answerOnce(rt, request(), () => Promise.resolve(created('key-1')))).replayed).toBe(false);
    // A thrown error releases too.
    const { rt: rt2, store: store2 } = runtime();
    await expect(answerOnce(rt2, request(), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(store2.records.size).toBe(0);
  });

  it('takes over a claim whose lease ended (its process died) and ignores an expired record', async () => {
    const { rt, store } = runtime();
    void answerOnce(rt, request(), () => new Promise<StoredAnswer>(() => undefined));
    await jest.advanceTimersByTimeAsync(0);
    jest.setSystemTime(T0 + DEFAULT_IDEMPOTENCY_SETTINGS.leaseMs + 1);
    const takeover = await answerOnce(rt, request({ correlationId: 'corr-2' }), () =>
      Promise.resolve(created('key-2')),
    );
    expect(takeover).toEqual({ answer: created('key-2'), replayed: false });
    expect([...store.records.values()][0]!.record.correlationId).toBe('corr-2');

    jest.setSystemTime(T0 + DEFAULT_IDEMPOTENCY_SETTINGS.retentionMs + DEFAULT_IDEMPOTENCY_SETTINGS.leaseMs + 2);
    // Past retention the key is new again, even for another body.
    const fresh = await answerOnce(rt, request({ fingerprint: 'fp-9', correlationId: 'corr-3' }), () =>
      Promise.resolve(created('key-3')),
    );
    expect(fresh.replayed).toBe(false);
    expect(await store.purgeExpired(new Date(Date.now()))).toBe(0);
  });

  it('lets exactly one of many concurrent claims run the work', async () => {
    const { rt } = runtime();
    const work = jest.fn(async () => {
      await new Promise((done) => setTimeout(done, 500));
      return created('key-1');
    });
    const all = Array.from({ length: 20 }, (_, i) => answerOnce(rt, request({ correlationId: `c${i}` }), work));
    await jest.advanceTimersByTimeAsync(5000);
    const answers = await Promise.all(all);
    expect(work).toHaveBeenCalledTimes(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.answer.body))).toEqual(new Set([created('key-1').body]));
  });

  it('fails with the ledger outage before the work runs', async () => {
    const { rt, store } = runtime();
    store.down = true;
    const work = jest.fn(() => Promise.resolve(created('key-1')));
    await expect(answerOnce(rt, request(), work)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(work).not.toHaveBeenCalled();
  });

  it('still answers when the answer cannot be saved, and tells the operator', async () => {
    const { rt, store, warn } = runtime();
    const answered = await answerOnce(rt, request(), () => {
      store.down = true;
      return Promise.resolve(created('key-1'));
    });
    expect(answered.answer).toEqual(created('key-1'));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/could not be saved/), { correlationId: 'corr-1' });
  });
});
