import { RouteHandler } from '../http/httpFunction';
import { guidParameter } from '../http/pathParameters';
import { revokeCertificate as revokeCertificateService } from '../vending/listCertificates';

/** `DELETE /api/applications/{appId}/certificates/{keyId}`: remove the key credential, disable its certificate. */
export const revokeCertificate: RouteHandler = async (request, context, services, call) => {
  const appId = guidParameter(request, 'appId');
  call.target.appId = appId;
  const keyId = guidParameter(request, 'keyId');
  call.target.keyId = keyId;
  const revoked = await revokeCertificateService(services.certificates, appId, keyId, call.context);
  if (revoked.disabledCertificateVersion) call.target.certificateVersion = revoked.disabledCertificateVersion;
  context.log('certificate revoked', JSON.stringify({ ...revoked, caller: call.context.caller.id }));
  return { status: 204 };
};
