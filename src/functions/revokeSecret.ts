import { RouteHandler } from '../http/httpFunction';
import { revokeSecret as revokeSecretService } from '../vending/revokeSecret';
import { guidParameter } from '../http/pathParameters';

/** `DELETE /api/applications/{appId}/secrets/{keyId}`: remove the credential and disable its vault version. */
export const revokeSecret: RouteHandler = async (request, context, services, caller) => {
  const appId = guidParameter(request, 'appId');
  const keyId = guidParameter(request, 'keyId');
  const revoked = await revokeSecretService(services.vending, appId, keyId, caller);
  context.log('secret revoked', JSON.stringify({ ...revoked, caller: caller.id }));
  return { status: 204 };
};
