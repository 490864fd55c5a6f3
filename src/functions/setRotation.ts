import { readAppId } from '../http/appRequest';
import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { rotationRequestSchema } from '../http/schemas';
import { setRotation as writeRotation } from '../vending/scan/rotation';

const validateBody = compileSchema<{ slots: string[] }>(rotationRequestSchema);

/** `PUT /api/applications/{appId}/rotation`: replaces which slots of the app the expiry scan rotates. */
export const setRotation: RouteHandler = async (request, context, services, call) => {
  const appId = readAppId(request, call);
  const { caller } = call.context;
  const { slots } = await readJsonBody(request, validateBody);
  const rotation = await writeRotation(services.vending, appId, slots, caller);
  context.log('rotation opt-in replaced', JSON.stringify({ ...rotation, caller: caller.id }));
  return { status: 200, jsonBody: rotation };
};
