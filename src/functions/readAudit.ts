import { auditQueryFrom } from '../http/auditQuery';
import { RouteHandler } from '../http/httpFunction';
import { NotFoundError } from '../vending/errors';

/**
 * `GET /api/audit?appId=…` or `?from=…&to=…`: one page of the audit ledger, oldest first. Only Admin gets here (the
 * route's roles are checked before), and Admin reaches every app, so the one 404 is an appId with nothing on record.
 */
export const readAudit: RouteHandler = async (request, _context, services, call) => {
  const query = auditQueryFrom(request);
  const { ledger } = services.vending;
  const page = await ledger.queryRequests(query);
  // As on the other routes, an app this API knows nothing of is a 404 — here: nothing on record about it, at any time.
  if (query.appId && !query.continuationToken && page.records.length === 0 && !page.continuationToken) {
    const any = await ledger.queryRequests({ appId: query.appId, pageSize: 1 });
    if (any.records.length === 0) throw new NotFoundError(`Nothing is on record about application ${query.appId}.`);
  }
  // Only now: a read of an app's record is itself on that app's record, but a miss must not create one.
  if (query.appId) call.target.appId = query.appId;
  return { status: 200, jsonBody: { records: page.records, continuationToken: page.continuationToken ?? null } };
};
