import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { certificateRequestSchema } from '../http/schemas';
import { CertificateRequest, certificateTarget, issueCertificate } from '../vending/issueCertificate';

const validateBody = compileSchema<CertificateRequest>(certificateRequestSchema);

/**
 * `POST /api/applications/{appId}/certificates`: a certificate credential, made in Key Vault (its key stays there) or
 * brought by the caller, answered with the thumbprint and the key to sign with; never a private key.
 */
export const addCertificate: RouteHandler = async (request, context, services, call) => {
  const appId = readAppId(request, call);
  const body = await readJsonBody(request, validateBody, {});
  const issued = await issueCertificate(services.certificates, appId, body, call.context);
  const { keyId, source, thumbprint } = issued;
  context.log(
    'certificate added',
    JSON.stringify({ appId, keyId, source, thumbprint, caller: call.context.caller.id }),
  );
  Object.assign(call.target, certificateTarget(issued));
  return {
    status: 201,
    jsonBody: issued,
    headers: { location: `/api/applications/${appId}/certificates/${keyId}` },
  };
};
