import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { Services } from '../services';
import { Caller } from '../vending/ports';
import { revokeSecret as revokeSecretService } from '../vending/revokeSecret';
import { guidParameter } from '../http/pathParameters';

/** `DELETE /api/applications/{appId}/secrets/{keyId}`: remove the credential and disable its vault version. */
export async function revokeSecret(
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
  caller: Caller,
): Promise<HttpResponseInit> {
  const appId = guidParameter(request, 'appId');
  const keyId = guidParameter(request, 'keyId');
  const revoked = await revokeSecretService(services.vending, appId, keyId, caller);
  context.log('secret revoked', JSON.stringify({ ...revoked, caller: caller.id }));
  return { status: 204 };
}
