import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { secretRequestSchema } from '../http/schemas';
import { issueSecret, SecretRequest, storedTarget } from '../vending/issueSecret';

const validateBody = compileSchema<SecretRequest>(secretRequestSchema);

/** `POST /api/applications/{appId}/secrets`: a new secret on an app this API owns, answered with its Key Vault reference. */
export const addSecret: RouteHandler = async (request, context, services, call) => {
  const appId = readAppId(request, call);
  const body = await readJsonBody(request, validateBody, {});
  const issued = await issueSecret(services.vending, appId, body, call.context);
  Object.assign(call.target, storedTarget(issued));
  context.log('secret issued', JSON.stringify({ appId, keyId: issued.keyId, caller: call.context.caller.id }));
  // The new credential's own address: where it is revoked (DELETE).
  return { status: 201, jsonBody: issued, headers: { location: `/api/applications/${appId}/secrets/${issued.keyId}` } };
};
