import { readCredentialIds } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { revokeCertificate as revokeCertificateService } from '../vending/listCertificates';

/**
 * `DELETE /api/applications/{appId}/certificates/{keyId}`: remove the key credential, disable its certificate. The
 * certificate version disabled reaches the request's audit record with the operation's completion.
 */
export const revokeCertificate: RouteHandler = async (request, context, services, call) => {
  const { appId, keyId } = readCredentialIds(request, call);
  const revoked = await revokeCertificateService(services.certificates, appId, keyId, call.context);
  context.log('certificate revoked', JSON.stringify({ ...revoked, caller: call.context.caller.id }));
  return { status: 204 };
};
