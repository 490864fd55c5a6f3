import { Config } from './config';
import { CallerAuthenticator } from './http/callers';
import { IdempotencyRuntime } from './http/idempotency';
import { RequestDeadline } from './vending/deadline';
import { CertificateDependencies, VendingDependencies } from './vending/dependencies';
import { ScanService } from './vending/scan/scanService';

/** Everything a function needs, built once per process by `composition.ts` and passed to every handler. */
export interface Services {
  config: Config;
  /** Validates callers' bearer tokens (cached signing keys: one per process). */
  callers: CallerAuthenticator;
  vending: VendingDependencies;
  /** Idempotency claims of POSTs, in the ledger table. */
  idempotency: IdempotencyRuntime;
  /** Certificate credentials: key credentials in Graph, certificates in Key Vault. */
  certificates: CertificateDependencies;
  /** The expiry scan (timer, `POST /api/scans`, `npm run scan`). */
  scan: ScanService;
  /** Starts a request's deadline (REQUEST_DEADLINE_MS, then COMPENSATION_BUDGET_MS for a rollback). */
  startDeadline(): RequestDeadline;
}
