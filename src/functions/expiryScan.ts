import { InvocationContext, Timer } from '@azure/functions';
import { describeErrorForLog } from '../http/problem';
import { Services } from '../services';
import { ScanInProgressError } from '../vending/scan/scanErrors';
import { summarizeReport } from '../vending/scan/scanReport';

/**
 * The expiry scan on its schedule (`EXPIRY_SCAN_SCHEDULE`). Thin: runs the scan and logs its summary. The host runs
 * one timer at a time across instances; the scan's own lock keeps `POST /api/scans` and `npm run scan` out of its way,
 * so a run that finds the lock taken skips (the next one picks up). A late start is logged, and changes nothing:
 * each run judges from the current state, so a missed or doubled run is harmless.
 */
export async function expiryScan(timer: Timer, context: InvocationContext, services: Services): Promise<void> {
  if (timer.isPastDue) context.warn('expiry scan started late (isPastDue)', JSON.stringify(timer.scheduleStatus ?? {}));
  try {
    const report = await services.scan.run({ dryRun: false, trigger: 'timer' });
    context.log('expiry scan finished', JSON.stringify(summarizeReport(report)));
  } catch (error) {
    if (error instanceof ScanInProgressError) {
      context.warn('expiry scan skipped: another scan holds the lock');
      return;
    }
    context.error('expiry scan failed', JSON.stringify(describeErrorForLog(error)));
    throw error;
  }
}
