import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { nextPageLink, readPageQuery } from '../http/paging';
import { Services } from '../services';
import { listManagedApplications } from '../vending/applications';
import { Caller } from '../vending/ports';

/** `GET /api/applications`: a page of the apps the caller may manage (every app of this API for Admin). */
export async function listApplications(
  request: HttpRequest,
  _context: InvocationContext,
  services: Services,
  caller: Caller,
): Promise<HttpResponseInit> {
  const page = readPageQuery(request);
  const { value, skipToken } = await listManagedApplications(services.vending, caller, page);
  const nextLink = skipToken === undefined ? undefined : nextPageLink(request, { top: page.top, skipToken });
  return { status: 200, jsonBody: nextLink === undefined ? { value } : { value, nextLink } };
}
