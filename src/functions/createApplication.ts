import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { createApplicationRequestSchema } from '../http/schemas';
import { createApplication as createApplicationService, CreateApplicationRequest } from '../vending/createApplication';
import { Services } from '../services';
import { Caller } from '../vending/ports';

const validateBody = compileSchema<CreateApplicationRequest>(createApplicationRequestSchema);

/** `POST /api/applications`: a new app registration, its service principal and a first secret (by reference). */
export async function createApplication(
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
  caller: Caller,
): Promise<HttpResponseInit> {
  const body = await readJsonBody(request, validateBody);
  const created = await createApplicationService(services.vending, body, caller);
  context.log(
    'application created',
    JSON.stringify({ appId: created.application.appId, keyId: created.secret?.keyId ?? null, caller: caller.id }),
  );
  return {
    status: 201,
    jsonBody: created,
    headers: { location: `/api/applications/${created.application.appId}/secrets` },
  };
}
