import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { ownersRequestSchema } from '../http/schemas';
import { setApplicationOwners as setOwners } from '../vending/applications';

const validateBody = compileSchema<{ owners: string[] }>(ownersRequestSchema);

/** `PUT /api/applications/{appId}/owners`: replaces who may manage the app (an app keeps at least one owner). */
export const setApplicationOwners: RouteHandler = async (request, context, services, call) => {
  const appId = readAppId(request, call);
  const { owners } = await readJsonBody(request, validateBody);
  const updated = await setOwners(services.vending, appId, owners, call.context);
  context.log('owners replaced', JSON.stringify({ appId, owners: updated.owners, caller: call.context.caller.id }));
  return { status: 200, jsonBody: updated };
};
