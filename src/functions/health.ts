import { HttpResponseInit } from '@azure/functions';
import { routes } from '../http/routes';
import { registerHttpFunction } from './registry';

/** `GET /api/health`: liveness only; calls no dependency, so it stays green while Graph or Key Vault are down. */
export function health(): Promise<HttpResponseInit> {
  return Promise.resolve({ status: 200, jsonBody: { status: 'ok' } });
}

registerHttpFunction(routes.health, health);
