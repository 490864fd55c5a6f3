import { RouteHandler } from '../http/httpFunction';
import { nextPageLink, readPageQuery } from '../http/paging';
import { listManagedApplications } from '../vending/applications';

/** `GET /api/applications`: a page of the apps the caller may manage (every app of this API for Admin). */
export const listApplications: RouteHandler = async (request, _context, services, call) => {
  const page = readPageQuery(request);
  const { value, skipToken } = await listManagedApplications(
    services.vending,
    call.context.caller,
    page,
    call.context.deadline.forward,
  );
  const nextLink = skipToken === undefined ? undefined : nextPageLink(request, { top: page.top, skipToken });
  return { status: 200, jsonBody: nextLink === undefined ? { value } : { value, nextLink } };
};
