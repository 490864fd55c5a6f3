import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { secretRequestSchema } from '../http/schemas';
import { issueSecret, SecretRequest } from '../vending/issueSecret';
import { guidParameter } from '../http/pathParameters';

const validateBody = compileSchema<SecretRequest>(secretRequestSchema);

/** `POST /api/applications/{appId}/secrets`: a new secret on an app this API owns, answered with its Key Vault reference. */
export const addSecret: RouteHandler = async (request, context, services, caller) => {
  const appId = guidParameter(request, 'appId');
  const body = await readJsonBody(request, validateBody, {});
  const issued = await issueSecret(services.vending, appId, body, caller);
  context.log('secret issued', JSON.stringify({ appId, keyId: issued.keyId, caller: caller.id }));
  return { status: 201, jsonBody: issued };
};
