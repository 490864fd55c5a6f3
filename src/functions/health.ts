import { HttpResponseInit } from '@azure/functions';

/** `GET /api/health`: liveness only; calls no dependency, so it stays green while Graph or Key Vault are down. */
export function health(): Promise<HttpResponseInit> {
  return Promise.resolve({ status: 200, jsonBody: { status: 'ok' } });
}
