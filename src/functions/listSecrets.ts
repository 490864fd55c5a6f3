import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { identifyCaller } from '../http/caller';
import { routes } from '../http/routes';
import { VendingServices } from '../index';
import { listSecrets as listSecretsService } from '../vending/listSecrets';
import { guidParameter } from './pathParameters';
import { registerHttpFunction } from './registry';

/** `GET /api/applications/{appId}/secrets`: metadata, status and references of an owned app's secrets. */
export async function listSecrets(
  request: HttpRequest,
  _context: InvocationContext,
  services: VendingServices,
): Promise<HttpResponseInit> {
  await identifyCaller(request);
  const appId = guidParameter(request, 'appId');
  return { status: 200, jsonBody: await listSecretsService(services.vending, appId) };
}

registerHttpFunction(routes.listSecrets, listSecrets);
