import { createHash } from 'node:crypto';
import { isRestError } from '@azure/core-rest-pipeline';
import { odata, TableClient, TableEntity, TableEntityResult, TableEntityResultPage } from '@azure/data-tables';
import { InvalidRequestError, UpstreamUnavailableError, VendingError } from '../vending/errors';
import {
  AuditEntry,
  AuditPage,
  AuditQuery,
  AuditRecord,
  CallerOnRecord,
  Clock,
  IdempotencyRecord,
  IdempotencyStore,
  InterruptedOperation,
  IssuedCredentialRecord,
  Ledger,
  OperationIntent,
  OperationJournal,
  OperationName,
  OperationState,
  RequestTrace,
  StoredAnswer,
} from '../vending/ports';
import { retryAfterSeconds } from './retryPolicy';

/**
 * The ledger table's layout. One table holds four kinds of entity, told apart by partition key prefix (and `kind`):
 *
 * | partition            | row key                          | kind          | what                                          |
 * |----------------------|----------------------------------|---------------|-----------------------------------------------|
 * | `day|YYYY-MM-DD`     | `<receivedAt ISO>|<correlationId>` | `request`     | every request of that UTC day                  |
 * | `app|<appId>`        | `<receivedAt ISO>|<correlationId>` | `request`     | the same record again, for the app it concerns |
 * | `intent`             | `<receivedAt ISO>|<correlationId>` | `intent`      | open write-ahead records (deleted when closed) |
 * | `idem|<sha256>`      | `record`                         | `idempotency` | one per (caller, Idempotency-Key)              |
 *
 * So "everything about one app" and "everything in one day" are single-partition range queries, a time range is one
 * range scan over consecutive day partitions, and open operations are one small partition. ISO-8601 UTC strings sort
 * as time, so row key ranges are time ranges.
 */
export const LEDGER_PARTITIONS = {
  day: (instant: Date): string => `day|${instant.toISOString().slice(0, 10)}`,
  app: (appId: string): string => `app|${appId.toLowerCase()}`,
  intent: 'intent',
  idempotency: (id: string): string => `idem|${id}`,
} as const;

/** The row key of a request's records: its arrival time, then its correlation id (unique, so no two collide). */
export function requestRowKey(context: Pick<RequestTrace, 'receivedAt' | 'correlationId'>): string {
  return `${context.receivedAt.toISOString()}|${context.correlationId}`;
}

const IDEMPOTENCY_ROW_KEY = 'record';

/** The message of every ledger outage: no operation goes ahead unrecorded. */
const LEDGER_UNAVAILABLE =
  'The audit ledger cannot be written right now, so nothing was changed. Retry after the indicated time.';

function unavailable(): UpstreamUnavailableError {
  return new UpstreamUnavailableError(LEDGER_UNAVAILABLE, 503, retryAfterSeconds(undefined), 'ledger');
}

function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

/**
 * Runs a table call; a status in `expected` is returned for the caller to decide on, anything else is an outage — but
 * a failure of the managed identity itself stays the identity's (it is what an operator must look at).
 */
async function tableCall<T>(call: () => Promise<T>, expected: readonly number[] = []): Promise<T | number> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && expected.includes(status)) return status;
    if (error instanceof VendingError && (error as { upstream?: unknown }).upstream === 'identity') throw error;
    throw unavailable();
  }
}

/** Drops undefined members: Tables has no undefined, and a merge must leave unmentioned properties alone. */
function defined(values: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

function callerProperties(caller: CallerOnRecord): Record<string, string | undefined> {
  return {
    callerId: caller.id,
    callerAppId: caller.appId,
    callerName: caller.name,
    callerRoles: JSON.stringify([...caller.roles]),
  };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Copies the named string properties that an entity holds (non-empty) onto `into`. */
function copyStrings<K extends string>(
  entity: Record<string, unknown>,
  keys: readonly K[],
  into: Partial<Record<K, string>>,
): void {
  for (const key of keys) {
    const value = asString(entity[key]);
    if (value !== undefined) into[key] = value;
  }
}

/** A list of strings kept as JSON in one property (Tables has no arrays); anything else reads as empty. */
function parseStrings(value: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(typeof value === 'string' ? value : '[]');
    return Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

function toAuditRecord(entity: TableEntityResult<Record<string, unknown>>): AuditRecord {
  const runId = asString(entity.logicAppsRunId);
  const record: AuditRecord = {
    time: asString(entity.time) ?? '',
    operation: asString(entity.operation) ?? '',
    correlationId: asString(entity.correlationId) ?? '',
    caller: {
      id: asString(entity.callerId) ?? '',
      ...(asString(entity.callerAppId) ? { appId: asString(entity.callerAppId) } : {}),
      ...(asString(entity.callerName) ? { name: asString(entity.callerName) } : {}),
      roles: parseStrings(entity.callerRoles),
    },
  };
  if (typeof entity.status === 'number') record.status = entity.status;
  if (typeof entity.replayed === 'boolean') record.replayed = entity.replayed;
  if (typeof entity.owners === 'string') record.owners = parseStrings(entity.owners);
  copyStrings(
    entity,
    [
      'problemType',
      'appId',
      'keyId',
      'secretName',
      'secretVersion',
      'certificateName',
      'certificateVersion',
      'idempotencyKey',
      'operationState',
    ],
    record,
  );
  if (runId) {
    record.logicApps = {
      runId,
      ...(asString(entity.logicAppsWorkflowId) ? { workflowId: asString(entity.logicAppsWorkflowId) } : {}),
      ...(asString(entity.logicAppsActionName) ? { actionName: asString(entity.logicAppsActionName) } : {}),
    };
  }
  return record;
}

function toInterrupted(entity: TableEntityResult<Record<string, unknown>>): InterruptedOperation {
  const operation: InterruptedOperation = {
    id: entity.rowKey ?? '',
    operation: asString(entity.operation) as OperationName,
    state: asString(entity.state) as OperationState,
    correlationId: asString(entity.correlationId) ?? '',
    receivedAt: asString(entity.receivedAt) ?? '',
    updatedAt: asString(entity.updatedAt) ?? '',
    callerId: asString(entity.callerId) ?? '',
  };
  copyStrings(
    entity,
    [
      'appId',
      'objectId',
      'keyId',
      'applicationDisplayName',
      'credentialDisplayName',
      'startDateTime',
      'endDateTime',
      'compensationStep',
      'secretName',
      'certificateName',
    ],
    operation,
  );
  const pending = asString(entity.pendingStep);
  if (pending === 'disableVersion' || pending === 'restoreSlot') operation.pendingStep = pending;
  if (typeof entity.owners === 'string') operation.owners = parseStrings(entity.owners);
  return operation;
}

/** A continuation token bound to the query it continues, so a token cannot be replayed against another query. */
interface PagingToken {
  q: string;
  t: string;
}

function querySignature(query: AuditQuery): string {
  const text = [query.appId ?? '', query.from?.toISOString() ?? '', query.to?.toISOString() ?? ''].join('|');
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

function encodeToken(query: AuditQuery, tableToken: string | undefined): string | undefined {
  if (!tableToken) return undefined;
  const token: PagingToken = { q: querySignature(query), t: tableToken };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(query: AuditQuery): string | undefined {
  if (query.continuationToken === undefined) return undefined;
  const refuse = (): never => {
    throw new InvalidRequestError('continuationToken is not one this query returned.', [
      { pointer: '#/query/continuationToken', detail: 'is not a continuation of this query' },
    ]);
  };
  try {
    const token = JSON.parse(
      Buffer.from(query.continuationToken, 'base64url').toString('utf8'),
    ) as Partial<PagingToken>;
    if (token.q !== querySignature(query) || typeof token.t !== 'string') return refuse();
    return token.t;
  } catch {
    return refuse();
  }
}

/** The filter of an audit query: one app's partition, or the day partitions a time range spans. */
function auditFilter(query: AuditQuery): string {
  const clauses: string[] = [];
  if (query.appId) {
    clauses.push(odata`PartitionKey eq ${LEDGER_PARTITIONS.app(query.appId)}`);
  } else {
    clauses.push(odata`PartitionKey ge ${LEDGER_PARTITIONS.day(query.from ?? new Date(0))}`);
    clauses.push(
      query.to
        ? odata`PartitionKey le ${LEDGER_PARTITIONS.day(new Date(query.to.getTime() - 1))}`
        : // Every later day partition: `}` sorts right after `|`.
          odata`PartitionKey lt ${'day}'}`,
    );
  }
  if (query.from) clauses.push(odata`RowKey ge ${query.from.toISOString()}`);
  if (query.to) clauses.push(odata`RowKey lt ${query.to.toISOString()}`);
  return clauses.join(' and ');
}

function toIdempotencyEntity(id: string, record: IdempotencyRecord): TableEntity<Record<string, unknown>> {
  const { answer } = record;
  return {
    partitionKey: LEDGER_PARTITIONS.idempotency(id),
    rowKey: IDEMPOTENCY_ROW_KEY,
    ...defined({
      kind: 'idempotency',
      scope: record.scope,
      key: record.key,
      fingerprint: record.fingerprint,
      state: record.state,
      correlationId: record.correlationId,
      claimedAt: record.claimedAt,
      leaseUntil: record.leaseUntil,
      expiresAt: record.expiresAt,
      answerStatus: answer?.status,
      answerHeaders: answer ? JSON.stringify(answer.headers) : undefined,
      answerBody: answer?.body,
      answerTarget: answer?.target ? JSON.stringify(answer.target) : undefined,
    }),
  };
}

function toIdempotencyRecord(entity: TableEntityResult<Record<string, unknown>>): IdempotencyRecord {
  const record: IdempotencyRecord = {
    scope: asString(entity.scope) ?? '',
    key: asString(entity.key) ?? '',
    fingerprint: asString(entity.fingerprint) ?? '',
    state: entity.state === 'completed' ? 'completed' : 'inFlight',
    correlationId: asString(entity.correlationId) ?? '',
    claimedAt: asString(entity.claimedAt) ?? '',
    leaseUntil: asString(entity.leaseUntil) ?? '',
    expiresAt: asString(entity.expiresAt) ?? '',
  };
  if (typeof entity.answerStatus === 'number') {
    const answer: StoredAnswer = {
      status: entity.answerStatus,
      headers: JSON.parse(asString(entity.answerHeaders) ?? '{}') as Record<string, string>,
      body: typeof entity.answerBody === 'string' ? entity.answerBody : '',
    };
    const target = asString(entity.answerTarget);
    if (target) answer.target = JSON.parse(target) as StoredAnswer['target'];
    record.answer = answer;
  }
  return record;
}

/** Options of {@link createTableLedger}. */
export interface TableLedgerOptions {
  /** Stamps `updatedAt` and resolutions. Default: the system clock. */
  clock?: Clock;
}

/**
 * The {@link Ledger} and the {@link IdempotencyStore} over one table with the official `TableClient` (identity-based in
 * Azure and in the sandbox). Every claim and every state change is a conditional write: an insert that fails when the
 * entity exists, or a replace/delete that names the ETag it read, so concurrent instances decide in storage.
 */
export function createTableLedger(
  client: TableClient,
  options: TableLedgerOptions = {},
): { ledger: Ledger; idempotency: IdempotencyStore } {
  const clock = options.clock ?? (() => new Date());

  /** Writes (merging) the audit record of a request into its day partition and, when it concerns an app, the app's. */
  async function upsertRequest(
    context: Pick<RequestTrace, 'receivedAt' | 'correlationId'> & Partial<Pick<RequestTrace, 'caller'>>,
    properties: Record<string, unknown>,
  ): Promise<void> {
    const rowKey = requestRowKey(context);
    const body = defined({
      kind: 'request',
      time: context.receivedAt.toISOString(),
      correlationId: context.correlationId,
      ...(context.caller ? callerProperties(context.caller) : {}),
      ...properties,
    });
    const partitions = [LEDGER_PARTITIONS.day(context.receivedAt)];
    if (typeof body.appId === 'string') partitions.push(LEDGER_PARTITIONS.app(body.appId));
    await Promise.all(
      partitions.map((partitionKey) =>
        tableCall(() => client.upsertEntity({ partitionKey, rowKey, ...body }, 'Merge')),
      ),
    );
  }

  async function mergeIntent(id: string, properties: Record<string, unknown>): Promise<void> {
    await tableCall(() =>
      client.updateEntity(
        {
          partitionKey: LEDGER_PARTITIONS.intent,
          rowKey: id,
          ...defined({ ...properties, updatedAt: clock().toISOString() }),
        },
        'Merge',
      ),
    );
  }

  async function deleteIntent(id: string): Promise<void> {
    // Already gone is fine: closing twice (a retry, the scan) must not fail.
    await tableCall(() => client.deleteEntity(LEDGER_PARTITIONS.intent, id), [404]);
  }

  const ledger: Ledger = {
    async beginOperation(intent: OperationIntent): Promise<OperationJournal> {
      const { context } = intent;
      const id = requestRowKey(context);
      const created = await tableCall(
        () =>
          client.createEntity({
            partitionKey: LEDGER_PARTITIONS.intent,
            rowKey: id,
            ...defined({
              kind: 'intent',
              operation: intent.operation,
              state: 'started' satisfies OperationState,
              correlationId: context.correlationId,
              receivedAt: context.receivedAt.toISOString(),
              updatedAt: clock().toISOString(),
              ...callerProperties(context.caller),
              appId: intent.appId,
              applicationDisplayName: intent.applicationDisplayName,
              credentialDisplayName: intent.credentialDisplayName,
              startDateTime: intent.startDateTime,
              endDateTime: intent.endDateTime,
              keyId: intent.keyId,
              owners: intent.owners ? JSON.stringify(intent.owners) : undefined,
            }),
          }),
        [409],
      );
      // One intent per request: a second one under the same correlation id is a bug, not a retry.
      if (created === 409) throw unavailable();
      const operation = intent.operation;
      return {
        id,
        issued: (progress) => mergeIntent(id, { state: 'issued' satisfies OperationState, ...progress }),
        // Closing writes the outcome and removes the open record at once (different partitions: no transaction). The
        // request's own audit record follows from the edge, so a failed outcome write is recorded again there.
        completed: async (result) => {
          await Promise.all([
            upsertRequest(context, {
              operation,
              ...result,
              owners: result.owners ? JSON.stringify(result.owners) : undefined,
              operationState: 'completed',
            }),
            deleteIntent(id),
          ]);
        },
        abandoned: () => deleteIntent(id),
        compensated: async (undone) => {
          await Promise.all([
            upsertRequest(context, {
              operation,
              appId: undone.appId,
              keyId: undone.keyId,
              operationState: 'compensated',
            }),
            deleteIntent(id),
          ]);
        },
        unfinished: async (pending) => {
          const { step, ...target } = pending;
          await mergeIntent(id, { state: 'unfinished' satisfies OperationState, pendingStep: step, ...target });
          await upsertRequest(context, {
            operation,
            appId: target.appId,
            keyId: target.keyId,
            secretName: target.secretName,
            certificateName: target.certificateName,
            operationState: 'unfinished',
            pendingStep: step,
          });
        },
        compensationFailed: async (failure) => {
          const { step, ...target } = failure;
          await mergeIntent(id, {
            state: 'compensationFailed' satisfies OperationState,
            compensationStep: step,
            ...target,
          });
          await upsertRequest(context, {
            operation,
            appId: target.appId,
            keyId: target.keyId,
            operationState: 'compensationFailed',
            compensationStep: step,
          });
        },
      };
    },

    async recordRequest(entry: AuditEntry): Promise<void> {
      await upsertRequest(entry.context, {
        operation: entry.operation,
        status: entry.status,
        problemType: entry.problemType,
        appId: entry.appId?.toLowerCase(),
        keyId: entry.keyId,
        secretName: entry.secretName,
        secretVersion: entry.secretVersion,
        certificateName: entry.certificateName,
        certificateVersion: entry.certificateVersion,
        idempotencyKey: entry.idempotencyKey,
        replayed: entry.replayed,
        logicAppsRunId: entry.logicApps?.runId,
        logicAppsWorkflowId: entry.logicApps?.workflowId,
        logicAppsActionName: entry.logicApps?.actionName,
      });
    },

    async *listInterrupted(olderThan: Date): AsyncIterable<InterruptedOperation> {
      const entities = client.listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${LEDGER_PARTITIONS.intent} and RowKey lt ${olderThan.toISOString()}`,
        },
      });
      try {
        for await (const entity of entities) yield toInterrupted(entity);
      } catch (error) {
        if (error instanceof UpstreamUnavailableError) throw error;
        throw unavailable();
      }
    },

    async resolveInterrupted(operation, resolution): Promise<void> {
      // The caller is already on the request's record (and the intent names it): a resolution leaves it as it is.
      const context = { correlationId: operation.correlationId, receivedAt: new Date(operation.receivedAt) };
      await upsertRequest(context, {
        callerId: operation.callerId,
        operation: operation.operation,
        appId: resolution.appId ?? operation.appId,
        keyId: resolution.keyId ?? operation.keyId,
        operationState: resolution.outcome,
        resolvedBy: resolution.resolvedBy,
        resolvedAt: clock().toISOString(),
        resolutionDetail: resolution.detail,
      });
      await deleteIntent(operation.id);
    },

    async findOpenOperations(filter): Promise<InterruptedOperation[]> {
      const clauses = [
        odata`PartitionKey eq ${LEDGER_PARTITIONS.intent}`,
        odata`operation eq ${filter.operation}`,
        odata`appId eq ${filter.appId}`,
        ...(filter.keyId ? [odata`keyId eq ${filter.keyId}`] : []),
      ];
      const found: InterruptedOperation[] = [];
      try {
        for await (const entity of client.listEntities<Record<string, unknown>>({
          queryOptions: { filter: clauses.join(' and ') },
        })) {
          found.push(toInterrupted(entity));
        }
      } catch (error) {
        if (error instanceof VendingError) throw error;
        throw unavailable();
      }
      return found;
    },

    async findIssuedCredential(appId, keyId): Promise<IssuedCredentialRecord | undefined> {
      // A completed record of the credential (its issue, or an earlier revocation) names its secret or certificate.
      const entities = client.listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${LEDGER_PARTITIONS.app(appId)} and keyId eq ${keyId.toLowerCase()}`,
        },
      });
      try {
        for await (const entity of entities) {
          const found: IssuedCredentialRecord = { appId, keyId: keyId.toLowerCase() };
          for (const field of ['secretName', 'secretVersion', 'certificateName', 'certificateVersion'] as const) {
            const value = asString(entity[field]);
            if (value) found[field] = value;
          }
          if (found.secretName || found.certificateName) return found;
        }
      } catch (error) {
        if (error instanceof VendingError) throw error;
        throw unavailable();
      }
      return undefined;
    },

    async queryRequests(query: AuditQuery): Promise<AuditPage> {
      const continuationToken = decodeToken(query);
      const pages = client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter: auditFilter(query) } })
        .byPage({ maxPageSize: query.pageSize, ...(continuationToken ? { continuationToken } : {}) });
      const page = await tableCall(async (): Promise<TableEntityResultPage<Record<string, unknown>> | undefined> => {
        const next = await pages.next();
        return next.done ? undefined : next.value;
      });
      if (typeof page === 'number' || !page) return { records: [] };
      const next = encodeToken(query, page.continuationToken);
      return {
        records: page.filter((entity) => entity.kind === 'request').map(toAuditRecord),
        ...(next ? { continuationToken: next } : {}),
      };
    },
  };

  const idempotency: IdempotencyStore = {
    async create(id, record) {
      const created = await tableCall(() => client.createEntity(toIdempotencyEntity(id, record)), [409]);
      return typeof created === 'number' ? undefined : created.etag;
    },

    async read(id) {
      const found = await tableCall(
        () => client.getEntity<Record<string, unknown>>(LEDGER_PARTITIONS.idempotency(id), IDEMPOTENCY_ROW_KEY),
        [404],
      );
      if (typeof found === 'number') return undefined;
      return { record: toIdempotencyRecord(found), etag: found.etag };
    },

    async replace(id, record, etag) {
      const replaced = await tableCall(
        () => client.updateEntity(toIdempotencyEntity(id, record), 'Replace', { etag }),
        [404, 412],
      );
      return typeof replaced === 'number' ? undefined : replaced.etag;
    },

    async remove(id, etag) {
      const removed = await tableCall(
        () => client.deleteEntity(LEDGER_PARTITIONS.idempotency(id), IDEMPOTENCY_ROW_KEY, { etag }),
        [404, 412],
      );
      return typeof removed !== 'number';
    },

    async purgeExpired(now) {
      const expired = client.listEntities<Record<string, unknown>>({
        queryOptions: {
          // The idempotency partitions only (`idem|` up to `idem}`), filtered on the expiry the record carries.
          filter: odata`PartitionKey ge ${'idem|'} and PartitionKey lt ${'idem}'} and expiresAt lt ${now.toISOString()}`,
          select: ['PartitionKey', 'RowKey'],
        },
      });
      let purged = 0;
      try {
        for await (const entity of expired) {
          // Named ETag: a record re-claimed since it was listed is someone's live claim and stays.
          const removed = await tableCall(
            () => client.deleteEntity(entity.partitionKey ?? '', entity.rowKey ?? '', { etag: entity.etag }),
            [404, 412],
          );
          if (typeof removed !== 'number') purged++;
        }
      } catch (error) {
        if (error instanceof UpstreamUnavailableError) throw error;
        throw unavailable();
      }
      return purged;
    },
  };

  return { ledger, idempotency };
}
