import { RouteHandler } from '../http/httpFunction';
import { compileSchema, readJsonBody } from '../http/requestBody';
import { scanRequestSchema } from '../http/schemas';
import { summarizeReport } from '../vending/scan/scanReport';

const validateBody = compileSchema<{ dryRun?: boolean }>(scanRequestSchema);

/** `POST /api/scans` (Admin): runs the expiry scan now, under the same lock as the timer, and answers its report. */
export const startScan: RouteHandler = async (request, context, services, call) => {
  const { dryRun = false } = await readJsonBody(request, validateBody, {});
  const report = await services.scan.run({ dryRun, trigger: 'api' });
  context.log('expiry scan finished', JSON.stringify({ ...summarizeReport(report), caller: call.context.caller.id }));
  return { status: 200, jsonBody: report };
};
