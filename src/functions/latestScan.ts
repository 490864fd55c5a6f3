import { RouteHandler } from '../http/httpFunction';
import { NotFoundError } from '../vending/errors';

/** `GET /api/scans/latest` (Admin): the report the last scan stored. */
export const latestScan: RouteHandler = async (_request, _context, services) => {
  const report = await services.scan.latest();
  if (!report) throw new NotFoundError('No expiry scan has stored a report yet.');
  return { status: 200, jsonBody: report };
};
