import { RouteHandler } from '../http/httpFunction';
import { guidParameter } from '../http/pathParameters';
import { listCertificates as listCertificatesService } from '../vending/listCertificates';

/** `GET /api/applications/{appId}/certificates`: an owned app's key credentials with their status. */
export const listCertificates: RouteHandler = async (request, _context, services, call) => {
  const appId = guidParameter(request, 'appId');
  call.target.appId = appId;
  return { status: 200, jsonBody: await listCertificatesService(services.certificates, appId) };
};
