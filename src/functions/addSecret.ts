import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { secretRequestSchema } from '../http/schemas';
import { Services } from '../services';
import { Caller } from '../vending/ports';
import { issueSecret, SecretRequest } from '../vending/issueSecret';
import { guidParameter } from '../http/pathParameters';

const validateBody = compileSchema<SecretRequest>(secretRequestSchema);

/** `POST /api/applications/{appId}/secrets`: a new secret on an app this API owns, answered with its Key Vault reference. */
export async function addSecret(
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
  caller: Caller,
): Promise<HttpResponseInit> {
  const appId = guidParameter(request, 'appId');
  const body = await readJsonBody(request, validateBody, {});
  const issued = await issueSecret(services.vending, appId, body, caller);
  context.log('secret issued', JSON.stringify({ appId, keyId: issued.keyId, caller: caller.id }));
  return { status: 201, jsonBody: issued };
}
