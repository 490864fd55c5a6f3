import { RouteHandler } from '../http/httpFunction';
import { listSecrets as listSecretsService } from '../vending/listSecrets';
import { guidParameter } from '../http/pathParameters';

/** `GET /api/applications/{appId}/secrets`: metadata, status and references of an owned app's secrets. */
export const listSecrets: RouteHandler = async (request, _context, services, caller) => {
  const appId = guidParameter(request, 'appId');
  return { status: 200, jsonBody: await listSecretsService(services.vending, appId, caller) };
};
