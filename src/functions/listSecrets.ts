import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { identifyCaller } from '../http/caller';
import { Services } from '../services';
import { listSecrets as listSecretsService } from '../vending/listSecrets';
import { guidParameter } from '../http/pathParameters';

/** `GET /api/applications/{appId}/secrets`: metadata, status and references of an owned app's secrets. */
export async function listSecrets(
  request: HttpRequest,
  _context: InvocationContext,
  services: Services,
): Promise<HttpResponseInit> {
  await identifyCaller(request);
  const appId = guidParameter(request, 'appId');
  return { status: 200, jsonBody: await listSecretsService(services.vending, appId) };
}
