import { RouteHandler } from '../http/httpFunction';
import { guidParameter } from '../http/pathParameters';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { certificateRequestSchema } from '../http/schemas';
import { CertificateRequest, certificateTarget, issueCertificate } from '../vending/issueCertificate';

const validateBody = compileSchema<CertificateRequest>(certificateRequestSchema);

/** `POST /api/applications/{appId}/certificates`: a certificate credential, made in Key Vault or brought by the caller. */
export const addCertificate: RouteHandler = async (request, context, services, call) => {
  const appId = guidParameter(request, 'appId');
  call.target.appId = appId;
  const body = await readJsonBody(request, validateBody, {});
  const issued = await issueCertificate(services.certificates, appId, body, call.context);
  Object.assign(call.target, certificateTarget(issued));
  const { keyId, source, thumbprint } = issued;
  context.log(
    'certificate added',
    JSON.stringify({ appId, keyId, source, thumbprint, caller: call.context.caller.id }),
  );
  return { status: 201, jsonBody: issued };
};
