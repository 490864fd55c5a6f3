import { resolve } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { RunningEmulators } from '../../emulators/index';
import { RunningAzurite } from '../../sandbox/azurite';
import { LEDGER_TABLE, startLedgerStorage } from '../../sandbox/sandbox';

/**
 * Starts a private Azurite for one test file (free ports; HTTPS with the emulators' certificate, so the product
 * reaches it by identity) with the ledger table created, and stops it after the file. Register it after
 * {@link useEmulators}, whose certificate it serves.
 */
export function useLedgerStorage(emulators: () => Pick<RunningEmulators, 'tls'>): () => RunningAzurite {
  let running: RunningAzurite | undefined;
  beforeAll(async () => {
    const stateDir = process.env.EMULATOR_STATE_DIR;
    if (!stateDir) throw new Error('EMULATOR_STATE_DIR is not set; run tests with `npm test`.');
    running = await startLedgerStorage(resolve(stateDir), emulators(), { blob: 0, queue: 0, table: 0 });
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (!running) throw new Error('Azurite is not started yet (use inside a test or hook)');
    return running;
  };
}

/** Every entity of the ledger table, read with the account key (the test's view, not the product's). */
export async function ledgerRows(
  azurite: Pick<RunningAzurite, 'connectionString'>,
  table = LEDGER_TABLE,
): Promise<Record<string, unknown>[]> {
  const client = TableClient.fromConnectionString(azurite.connectionString, table);
  const rows: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities<Record<string, unknown>>()) rows.push(entity);
  return rows;
}
