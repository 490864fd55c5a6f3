import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { identifyCaller } from '../http/caller';
import { Services } from '../services';
import { revokeSecret as revokeSecretService } from '../vending/revokeSecret';
import { guidParameter } from '../http/pathParameters';

/** `DELETE /api/applications/{appId}/secrets/{keyId}`: remove the credential and disable its vault version. */
export async function revokeSecret(
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
): Promise<HttpResponseInit> {
  const caller = await identifyCaller(request);
  const appId = guidParameter(request, 'appId');
  const keyId = guidParameter(request, 'keyId');
  const revoked = await revokeSecretService(services.vending, appId, keyId);
  context.log('secret revoked', JSON.stringify({ ...revoked, caller: caller.id }));
  return { status: 204 };
}
