import { InvocationContext, Timer } from '@azure/functions';
import { Services } from '../services';

/**
 * Timer (`%IDEMPOTENCY_PURGE_SCHEDULE%`, hourly by default): deletes idempotency records past their retention. Expired
 * records are already ignored when a key comes again; this only gives the space back. Safe to run twice or at once
 * on two instances: each delete names the ETag it listed, so a key re-claimed meanwhile stays.
 */
export async function purgeIdempotencyRecords(
  timer: Timer,
  context: InvocationContext,
  services: Services,
): Promise<void> {
  if (timer.isPastDue) context.warn('idempotency purge is running late');
  const purged = await services.idempotency.store.purgeExpired(services.vending.clock());
  context.log('idempotency records purged', JSON.stringify({ purged }));
}
