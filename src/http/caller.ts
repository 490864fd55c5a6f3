import { HttpRequest } from '@azure/functions';
import { Caller } from '../vending/ports';

/** The caller while caller authentication is not built: every request is anonymous. */
export const ANONYMOUS_CALLER: Caller = Object.freeze({ id: 'anonymous', roles: Object.freeze([]) });

/**
 * Who is calling. The one place every handler asks, so Entra token validation (app roles App.Create, Secret.Create,
 * Admin) can be added here without touching the routes. Until then it answers {@link ANONYMOUS_CALLER}.
 */
export function identifyCaller(_request: HttpRequest): Promise<Caller> {
  return Promise.resolve(ANONYMOUS_CALLER);
}
