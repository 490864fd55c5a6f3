import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { createApplicationRequestSchema } from '../http/schemas';
import { createApplication as createApplicationService, CreateApplicationRequest } from '../vending/createApplication';
import { storedTarget } from '../vending/issueSecret';

const validateBody = compileSchema<CreateApplicationRequest>(createApplicationRequestSchema);

/** `POST /api/applications`: a new app registration, its service principal and a first secret (by reference). */
export const createApplication: RouteHandler = async (request, context, services, call) => {
  const body = await readJsonBody(request, validateBody);
  const created = await createApplicationService(services.vending, body, call.context);
  call.target = { appId: created.application.appId, ...(created.secret ? storedTarget(created.secret) : {}) };
  context.log(
    'application created',
    JSON.stringify({
      appId: created.application.appId,
      keyId: created.secret?.keyId ?? null,
      caller: call.context.caller.id,
    }),
  );
  return {
    status: 201,
    jsonBody: created,
    headers: { location: `/api/applications/${created.application.appId}/secrets` },
  };
};
