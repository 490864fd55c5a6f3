import { TokenIssuer } from '../entra/tokenIssuer';
import { defineService } from '../host/routedService';
import { EmulatedService } from '../host/serviceHost';
import { graphAccess } from './graphAccess';
import { graphControlRoutes } from './graphControl';
import { badRequest, correlationHeaders, GRAPH_ERRORS, GRAPH_JSON } from './graphErrors';
import { GRAPH_ROUTES } from './graphRoutes';
import { GraphStore } from './graphStore';

/** The Graph emulator; `issuedSecretTexts` is in-process only (leak tests), never served over HTTP. */
export interface GraphEmulator extends EmulatedService {
  /** Every `secretText` this emulator has issued since it started, oldest first. */
  readonly issuedSecretTexts: readonly string[];
}

/** Microsoft Graph v1.0 (applications, service principals, owners, passwords) over the shared emulator host. */
export function createGraphService(issuer: TokenIssuer): GraphEmulator {
  const store = new GraphStore(issuer.seed);
  const service = defineService({
    name: 'graph',
    state: store,
    routes: GRAPH_ROUTES,
    caseInsensitivePaths: true,
    access: graphAccess(issuer),
    errors: GRAPH_ERRORS,
    checkRequest(request) {
      const version = request.rawPath.split('/')[1] ?? '';
      if (version !== 'v1.0') throw badRequest(`Invalid version: ${version}`, 'BadRequest');
    },
    headers: (request, response) => ({
      ...(response.body === undefined ? {} : { 'content-type': GRAPH_JSON }),
      ...correlationHeaders(request),
    }),
    controlRoutes: graphControlRoutes(store),
    reset: () => store.reset(),
  });
  return { ...service, issuedSecretTexts: store.issuedSecretTexts };
}
