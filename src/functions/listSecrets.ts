import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { listSecrets as listSecretsService } from '../vending/listSecrets';

/** `GET /api/applications/{appId}/secrets`: metadata, status and references of an owned app's secrets. */
export const listSecrets: RouteHandler = async (request, _context, services, call) => {
  const appId = readAppId(request, call);
  return {
    status: 200,
    jsonBody: await listSecretsService(services.vending, appId, call.context.caller, call.context.deadline.forward),
  };
};
