import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { getApplicationOwners as getOwners } from '../vending/applications';

/** `GET /api/applications/{appId}/owners`: who may manage the app through this API. */
export const getApplicationOwners: RouteHandler = async (request, _context, services, call) => {
  const appId = readAppId(request, call);
  return {
    status: 200,
    jsonBody: await getOwners(services.vending, appId, call.context.caller, call.context.deadline.forward),
  };
};
