import { readCredentialIds } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { revokeSecret as revokeSecretService } from '../vending/revokeSecret';

/** `DELETE /api/applications/{appId}/secrets/{keyId}`: remove the credential and disable its vault version. */
export const revokeSecret: RouteHandler = async (request, context, services, call) => {
  const { appId, keyId } = readCredentialIds(request, call);
  const revoked = await revokeSecretService(services.vending, appId, keyId, call.context);
  if (revoked.disabledSecretVersion) call.target.secretVersion = revoked.disabledSecretVersion;
  context.log('secret revoked', JSON.stringify({ ...revoked, caller: call.context.caller.id }));
  return { status: 204 };
};
