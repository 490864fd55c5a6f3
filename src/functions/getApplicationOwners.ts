import { RouteHandler } from '../http/httpFunction';
import { guidParameter } from '../http/pathParameters';
import { getApplicationOwners as getOwners } from '../vending/applications';

/** `GET /api/applications/{appId}/owners`: who may manage the app through this API. */
export const getApplicationOwners: RouteHandler = async (request, _context, services, caller) => {
  const appId = guidParameter(request, 'appId');
  return { status: 200, jsonBody: await getOwners(services.vending, appId, caller) };
};
