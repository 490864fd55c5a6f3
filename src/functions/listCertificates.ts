import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { listCertificates as listCertificatesService } from '../vending/listCertificates';

/** `GET /api/applications/{appId}/certificates`: the key credentials of an app the caller may manage, with status. */
export const listCertificates: RouteHandler = async (request, _context, services, call) => {
  const appId = readAppId(request, call);
  return {
    status: 200,
    jsonBody: await listCertificatesService(
      services.certificates,
      appId,
      call.context.caller,
      call.context.deadline.forward,
    ),
  };
};
