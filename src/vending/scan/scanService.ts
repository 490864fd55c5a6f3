import { runScan, ScanDependencies, ScanOptions } from './runScan';
import { ScanReport } from './scanReport';

/** The expiry scan as the timer, the HTTP routes and the CLI use it. */
export interface ScanService {
  /** Runs one scan (throws ScanInProgressError while another holds the lock). */
  run(options: ScanOptions): Promise<ScanReport>;
  /** The last stored report (dry runs are not stored). */
  latest(): Promise<ScanReport | undefined>;
}

/** The scan over its dependencies. */
export function createScanService(deps: ScanDependencies): ScanService {
  return { run: (options) => runScan(deps, options), latest: () => deps.store.latestReport() };
}
