import { isRestError } from '@azure/core-rest-pipeline';
import { odata, TableClient, TransactionAction } from '@azure/data-tables';
import { Finding } from '../vending/scan/findings';
import { ScanLockLostError } from '../vending/scan/scanErrors';
import { RotationClaim, ScanLease, ScanStore } from '../vending/scan/scanPorts';
import { ScanReport } from '../vending/scan/scanReport';

/**
 * Table layout (one table, `SCAN_TABLE`):
 * - `lock` / `expiry-scan`: the one scan lease (`runId`, `expiresAt`), taken by insert or by ETag-conditional
 *   replace of an expired lease; renewed and released with the ETag it was last written with.
 * - `rotation` / `<keyId>`: the claim on rotating one credential (`state` claimed|done, `runId`, `claimedAt`,
 *   `successorKeyId`), taken by insert or by ETag-conditional replace of a claim older than its TTL.
 * - `report` / `<inverted start time>_<runId>`: a report without its findings (newest first in key order);
 *   `findings-<runId>` / `<chunk>`: its findings as JSON, in chunks under the 64 KiB property limit.
 */
const LOCK = { partitionKey: 'lock', rowKey: 'expiry-scan' } as const;
const ROTATION_PARTITION = 'rotation';
const REPORT_PARTITION = 'report';
/** UTF-16 code units per string property: the service allows 32 K characters (64 KiB). */
const CHUNK_CHARS = 30_000;
/** A table transaction holds at most 100 operations. */
const TRANSACTION_SIZE = 100;
const LATEST_FIRST_BASE = 10 ** 15;

function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

function findingsPartition(runId: string): string {
  return `findings-${runId}`;
}

/** Splits findings into JSON arrays each short enough for one string property. */
function chunkFindings(findings: readonly Finding[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 2;
  for (const finding of findings) {
    const json = JSON.stringify(finding);
    if (current.length > 0 && length + json.length + 1 > CHUNK_CHARS) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      length = 2;
    }
    current.push(json);
    length += json.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/**
 * The {@link ScanStore} over one Azure table (Azurite locally). Every decision that must be made once across
 * instances — who holds the scan lock, who rotates a credential — is a conditional write (insert, or replace if the
 * ETag still matches). The table exists already: Bicep creates it in Azure, the sandbox in Azurite.
 */
export function createTableScanStore(table: TableClient): ScanStore {
  function lease(runId: string, leaseMs: number, firstEtag: string): ScanLease {
    let etag: string | undefined = firstEtag;
    return {
      runId,
      async renew(now) {
        if (etag === undefined) throw new ScanLockLostError();
        try {
          const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
          etag = (await table.updateEntity({ ...LOCK, runId, expiresAt }, 'Replace', { etag })).etag;
        } catch (error) {
          const status = statusOf(error);
          if (status === 412 || status === 404) {
            etag = undefined;
            throw new ScanLockLostError();
          }
          throw error;
        }
      },
      async release() {
        if (etag === undefined) return;
        const held = etag;
        etag = undefined;
        try {
          await table.deleteEntity(LOCK.partitionKey, LOCK.rowKey, { etag: held });
        } catch (error) {
          // Someone took it over after it expired, or it is gone already: nothing of ours to release.
          if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
        }
      },
    };
  }

  return {
    async acquireLock(runId, now, leaseMs) {
      const entity = { ...LOCK, runId, expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
      try {
        const created = await table.createEntity(entity);
        return lease(runId, leaseMs, created.etag ?? '*');
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      const current = await table.getEntity<{ expiresAt: string }>(LOCK.partitionKey, LOCK.rowKey);
      if (Date.parse(current.expiresAt) > now.getTime()) return undefined;
      try {
        const replaced = await table.updateEntity(entity, 'Replace', { etag: current.etag });
        return lease(runId, leaseMs, replaced.etag ?? '*');
      } catch (error) {
        // Another run replaced the expired lease first.
        if (statusOf(error) === 412) return undefined;
        throw error;
      }
    },

    async claimRotation(keyId, runId, now, ttlMs): Promise<RotationClaim> {
      const rowKey = keyId.toLowerCase();
      const claim = { partitionKey: ROTATION_PARTITION, rowKey, state: 'claimed', runId, claimedAt: now.toISOString() };
      try {
        await table.createEntity(claim);
        return { state: 'claimed' };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      const current = await table.getEntity<{ state: string; claimedAt: string; successorKeyId?: string }>(
        ROTATION_PARTITION,
        rowKey,
      );
      if (current.state === 'done' && current.successorKeyId)
        return { state: 'done', successorKeyId: current.successorKeyId };
      if (Date.parse(current.claimedAt) + ttlMs > now.getTime()) return { state: 'busy' };
      try {
        await table.updateEntity(claim, 'Replace', { etag: current.etag });
        return { state: 'claimed' };
      } catch (error) {
        if (statusOf(error) === 412) return { state: 'busy' };
        throw error;
      }
    },

    async completeRotation(keyId, runId, successorKeyId, now) {
      await table.updateEntity(
        {
          partitionKey: ROTATION_PARTITION,
          rowKey: keyId.toLowerCase(),
          state: 'done',
          runId,
          successorKeyId,
          completedAt: now.toISOString(),
        },
        'Merge',
      );
    },

    async saveReport(report) {
      const { findings, ...summary } = report;
      const chunks = chunkFindings(findings);
      const partitionKey = findingsPartition(report.runId);
      // Findings first, the summary last: a summary never points at chunks that are not there.
      for (let start = 0; start < chunks.length; start += TRANSACTION_SIZE) {
        const actions: TransactionAction[] = chunks
          .slice(start, start + TRANSACTION_SIZE)
          .map((json, i) => ['upsert', { partitionKey, rowKey: String(start + i).padStart(6, '0'), json }]);
        await table.submitTransaction(actions);
      }
      const inverted = String(LATEST_FIRST_BASE - Date.parse(report.startedAt)).padStart(16, '0');
      await table.upsertEntity({
        partitionKey: REPORT_PARTITION,
        rowKey: `${inverted}_${report.runId}`,
        runId: report.runId,
        chunks: chunks.length,
        json: JSON.stringify(summary),
      });
    },

    async latestReport() {
      const pages = table
        .listEntities<{ json: string; chunks: number; runId: string }>({
          queryOptions: { filter: odata`PartitionKey eq ${REPORT_PARTITION}` },
        })
        .byPage({ maxPageSize: 1 });
      const first = await pages.next();
      const entity = first.done === true ? undefined : first.value[0];
      if (!entity) return undefined;
      const findings: Finding[] = [];
      const partition = findingsPartition(entity.runId);
      for await (const chunk of table.listEntities<{ json: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${partition}` },
      })) {
        findings.push(...(JSON.parse(chunk.json) as Finding[]));
      }
      return { ...(JSON.parse(entity.json) as Omit<ScanReport, 'findings'>), findings };
    },
  };
}
