import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { Services } from '../services';
import { Caller } from '../vending/ports';
import { listSecrets as listSecretsService } from '../vending/listSecrets';
import { guidParameter } from '../http/pathParameters';

/** `GET /api/applications/{appId}/secrets`: metadata, status and references of an owned app's secrets. */
export async function listSecrets(
  request: HttpRequest,
  _context: InvocationContext,
  services: Services,
  caller: Caller,
): Promise<HttpResponseInit> {
  const appId = guidParameter(request, 'appId');
  return { status: 200, jsonBody: await listSecretsService(services.vending, appId, caller) };
}
