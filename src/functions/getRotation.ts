import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { getRotation as readRotation } from '../vending/scan/rotation';

/** `GET /api/applications/{appId}/rotation`: which slots of the app the expiry scan rotates. */
export const getRotation: RouteHandler = async (request, _context, services, call) => {
  const appId = readAppId(request, call);
  return { status: 200, jsonBody: await readRotation(services.vending, appId, call.context.caller) };
};
