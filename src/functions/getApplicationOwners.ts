import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { guidParameter } from '../http/pathParameters';
import { Services } from '../services';
import { getApplicationOwners as getOwners } from '../vending/applications';
import { Caller } from '../vending/ports';

/** `GET /api/applications/{appId}/owners`: who may manage the app through this API. */
export async function getApplicationOwners(
  request: HttpRequest,
  _context: InvocationContext,
  services: Services,
  caller: Caller,
): Promise<HttpResponseInit> {
  const appId = guidParameter(request, 'appId');
  return { status: 200, jsonBody: await getOwners(services.vending, appId, caller) };
}
