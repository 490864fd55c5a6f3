import { createHash } from 'node:crypto';
import { IdempotencyConflictError, InvalidRequestError } from '../vending/errors';
import { Clock, IdempotencyRecord, IdempotencyStore, StoredAnswer } from '../vending/ports';

/**
 * Safe retries for every POST (the IETF httpapi `Idempotency-Key` draft's semantics):
 * - the key is the `Idempotency-Key` header, or — for Logic Apps, which send none — one derived from the workflow run
 *   headers a retried action resends unchanged, plus the body (see {@link deriveIdempotencyKey});
 * - keys are scoped per caller; a claim is a conditional insert in the ledger table, so it holds across instances;
 * - the same key with the same request replays the first answer without calling Graph or Key Vault; with another
 *   request (method, route, path or canonical body) it is a 422; while the first is in flight, a second one waits for
 *   it (up to {@link IdempotencySettings.waitMs}) and replays its answer, else gets a 409 with Retry-After.
 */

/** The request header that carries a caller's idempotency key. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on a replayed answer. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * Headers a Logic Apps HTTP action sends that stay the same when the action is retried: the workflow (by system id, else
 * id), the run and the action's name. Not used: `x-ms-tracking-id`, `x-ms-client-request-id`, `x-ms-correlation-id`
 * and `x-ms-action-tracking-id`, whose stability across retries is not documented; and no for-each repetition index is
 * sent (a repetition's request history shows the same header set), so iterations are told apart by their bodies.
 */
export const LOGIC_APPS_HEADERS = {
  systemId: 'x-ms-workflow-system-id',
  workflowId: 'x-ms-workflow-id',
  runId: 'x-ms-workflow-run-id',
  actionName: 'x-ms-workflow-operation-name',
} as const;

/** The Logic Apps run that sent a request, when it did. */
export interface LogicAppsRun {
  runId: string;
  workflowId?: string;
  actionName?: string;
}

/** Only the headers a request's idempotency depends on. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** A request's idempotency key and where it came from. */
export interface IdempotencyKey {
  key: string;
  source: 'header' | 'logicApps';
}

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,255}$/;
/** A Logic Apps header value worth keying on: bounded, printable. */
const HEADER_VALUE = /^[\x21-\x7e]{1,512}$/;

function header(headers: HeaderSource, name: string): string | undefined {
  const value = headers.get(name)?.trim();
  return value && HEADER_VALUE.test(value) ? value : undefined;
}

/** The Logic Apps run headers of a request (for the audit record and the derived key), if it came from a workflow. */
export function logicAppsRunOf(headers: HeaderSource): LogicAppsRun | undefined {
  const runId = header(headers, LOGIC_APPS_HEADERS.runId);
  if (!runId) return undefined;
  const workflowId = header(headers, LOGIC_APPS_HEADERS.systemId) ?? header(headers, LOGIC_APPS_HEADERS.workflowId);
  const actionName = header(headers, LOGIC_APPS_HEADERS.actionName);
  return { runId, ...(workflowId ? { workflowId } : {}), ...(actionName ? { actionName } : {}) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object members in code-point order, recursively: two encodings of one value give one text. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The body as compared for idempotency: parsed JSON re-serialised with sorted members (so whitespace and member order
 * do not matter); an empty body is ''; text that is not JSON is kept as it is (the handler will refuse it anyway).
 */
export function canonicalBody(text: string): string {
  if (text.trim() === '') return '';
  try {
    return stableStringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/**
 * The request's idempotency key: the `Idempotency-Key` header (an RFC 8941 string, quoted or not: 1–255 printable
 * ASCII characters), else one derived from a Logic Apps run — workflow, run id, action name and the canonical body —
 * so that a retried action (same headers, same body) collapses into the first request while for-each iterations with
 * different bodies stay distinct. Undefined when neither is there: the request is then not deduplicated.
 */
export function deriveIdempotencyKey(headers: HeaderSource, body: string): IdempotencyKey | undefined {
  const given = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (given !== null) {
    const trimmed = given.trim();
    const key = /^".*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
    if (!PRINTABLE_ASCII.test(key)) {
      throw new InvalidRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters.', [
        { pointer: '#/header/Idempotency-Key', detail: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    return { key, source: 'header' };
  }
  const run = logicAppsRunOf(headers);
  if (!run?.workflowId || !run.actionName) return undefined;
  const digest = sha256([run.workflowId, run.runId, run.actionName, body].join('\n'));
  return { key: `logicapps:${digest}`, source: 'logicApps' };
}

/** What a key may be used for: one method on one path with one canonical body. */
export function requestFingerprint(method: string, path: string, body: string): string {
  return sha256([method.toUpperCase(), path.toLowerCase(), body].join('\n'));
}

/** The record id of a caller's key: a hash, so neither key nor caller shapes the table's partition keys. */
export function idempotencyRecordId(scope: string, key: string): string {
  return sha256(`${scope}\n${key}`);
}

/** Tunables of the claim; defaults in {@link DEFAULT_IDEMPOTENCY_SETTINGS}. */
export interface IdempotencySettings {
  /** How long a key's answer is kept and replayed (IDEMPOTENCY_RETENTION_HOURS). */
  retentionMs: number;
  /** How long an in-flight claim is honoured before its process is taken to be dead. */
  leaseMs: number;
  /** How long a second request waits for the first before answering 409. */
  waitMs: number;
}

/**
 * The host kills a request after its function timeout (host.json: 2 minutes), so a claim older than that plus a
 * margin belongs to a dead process and may be taken over; a Logic Apps retry after its own 120 s timeout then proceeds.
 */
export const DEFAULT_IDEMPOTENCY_SETTINGS: IdempotencySettings = {
  retentionMs: 24 * 3600 * 1000,
  leaseMs: 130 * 1000,
  waitMs: 10 * 1000,
};

/** What the claim needs from the outside: the store, a clock, a sleep (fake timers in tests) and the settings. */
export interface IdempotencyRuntime {
  store: IdempotencyStore;
  clock: Clock;
  sleep(ms: number): Promise<void>;
  settings: IdempotencySettings;
  /** Told when a claim could not be completed or released (never given a secret). */
  warn(message: string, details: Record<string, string>): void;
}

/** One request's claim: who, which key, what request. */
export interface IdempotentRequest {
  scope: string;
  key: string;
  fingerprint: string;
  correlationId: string;
}

/** How a request with a key was answered. */
export interface IdempotentAnswer {
  answer: StoredAnswer;
  replayed: boolean;
  /**
   * The answer being kept (or the claim released); never rejects. Await it before the response leaves — alongside the
   * audit write, not before it, to save a round trip.
   */
  settled: Promise<void>;
}

/** Largest answer body kept for replay (a table string property holds 32 K UTF-16 characters). */
const MAX_STORED_BODY_CHARS = 30_000;

/**
 * Answers that are final for this request and kept for replays: successes and refusals that would be the same again
 * (422, …). Not kept, so a retry does the work anew: 400 (the caller fixes the request and may reuse the key),
 * 401/403 (never claimed: the caller is checked first), 404 (an app becomes the caller's to manage once an owner adds
 * it), 408/409/429 and every 5xx — after which nothing was left behind, because the operation compensated.
 */
export function isReplayable(answer: StoredAnswer): boolean {
  const { status } = answer;
  if (answer.body.length > MAX_STORED_BODY_CHARS) return false;
  if (status >= 200 && status < 300) return true;
  return status >= 400 && status < 500 && ![400, 401, 403, 404, 408, 409, 429].includes(status);
}

const FIRST_POLL_MS = 50;
/** Rounds of read-and-write races lost before giving up (each loss means another instance moved the record). */
const MAX_ROUNDS = 100;
const MAX_POLL_MS = 1000;

function newClaim(request: IdempotentRequest, runtime: IdempotencyRuntime): IdempotencyRecord {
  const now = runtime.clock().getTime();
  return {
    scope: request.scope,
    key: request.key,
    fingerprint: request.fingerprint,
    state: 'inFlight',
    correlationId: request.correlationId,
    claimedAt: new Date(now).toISOString(),
    leaseUntil: new Date(now + runtime.settings.leaseMs).toISOString(),
    expiresAt: new Date(now + runtime.settings.retentionMs).toISOString(),
  };
}

type Claim = { kind: 'claimed'; etag: string; record: IdempotencyRecord } | { kind: 'replay'; answer: StoredAnswer };

/**
 * Claims the key or finds its answer. Loops only when the record changed between a read and a conditional write
 * (another instance won that race), then re-reads; in-flight claims are polled until {@link IdempotencySettings.waitMs}.
 */
async function claim(id: string, request: IdempotentRequest, runtime: IdempotencyRuntime): Promise<Claim> {
  const deadline = runtime.clock().getTime() + runtime.settings.waitMs;
  let pollMs = FIRST_POLL_MS;
  for (let round = 1; ; round++) {
    if (round > MAX_ROUNDS) {
      throw IdempotencyConflictError.inFlight(1);
    }
    const fresh = newClaim(request, runtime);
    const created = await runtime.store.create(id, fresh);
    if (created) return { kind: 'claimed', etag: created, record: fresh };
    const found = await runtime.store.read(id);
    if (!found) continue; // released meanwhile: claim it now
    const { record, etag } = found;
    const now = runtime.clock().getTime();
    const expired = Date.parse(record.expiresAt) <= now;
    const abandoned = record.state === 'inFlight' && Date.parse(record.leaseUntil) <= now;
    if (expired || abandoned) {
      // An expired record is ignored; a dead claimer's claim is taken over. Either way: by ETag, so one winner.
      const replaced = await runtime.store.replace(id, fresh, etag);
      if (replaced) return { kind: 'claimed', etag: replaced, record: fresh };
      continue;
    }
    if (record.fingerprint !== request.fingerprint) {
      throw IdempotencyConflictError.reused();
    }
    if (record.state === 'completed' && record.answer) return { kind: 'replay', answer: record.answer };
    if (now >= deadline) {
      const leaseLeftS = Math.ceil((Date.parse(record.leaseUntil) - now) / 1000);
      const retryAfter = Math.max(1, Math.min(leaseLeftS, Math.ceil(runtime.settings.waitMs / 1000)));
      throw IdempotencyConflictError.inFlight(retryAfter);
    }
    await runtime.sleep(Math.min(pollMs, deadline - now));
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

/**
 * Runs `work` at most once per (caller, key) within the retention window and answers every request with the key
 * the same way. The claim is made before `work` starts, so if the ledger cannot be written nothing is done (503).
 */
export async function answerOnce(
  runtime: IdempotencyRuntime,
  request: IdempotentRequest,
  work: () => Promise<StoredAnswer>,
): Promise<IdempotentAnswer> {
  const id = idempotencyRecordId(request.scope, request.key);
  const claimed = await claim(id, request, runtime);
  if (claimed.kind === 'replay') return { answer: claimed.answer, replayed: true, settled: Promise.resolve() };
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (error) {
    await release(runtime, id, claimed.etag, request);
    throw error;
  }
  const settled = isReplayable(answer)
    ? save(runtime, id, { ...claimed.record, state: 'completed', answer }, claimed.etag, request)
    : release(runtime, id, claimed.etag, request);
  return { answer, replayed: false, settled };
}

async function save(
  runtime: IdempotencyRuntime,
  id: string,
  record: IdempotencyRecord,
  etag: string,
  request: IdempotentRequest,
): Promise<void> {
  try {
    const saved = await runtime.store.replace(id, record, etag);
    if (!saved) runtime.warn('An idempotency claim was taken over before its answer was saved.', details(request));
  } catch {
    runtime.warn('The answer of an idempotent request could not be saved; a retry may run it again.', details(request));
  }
}

function details(request: IdempotentRequest): Record<string, string> {
  return { correlationId: request.correlationId };
}

async function release(runtime: IdempotencyRuntime, id: string, etag: string, request: IdempotentRequest) {
  try {
    await runtime.store.remove(id, etag);
  } catch {
    runtime.warn('An idempotency claim could not be released; retries wait until its lease ends.', details(request));
  }
}
