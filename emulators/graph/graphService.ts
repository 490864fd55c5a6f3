import type { AppDirectory } from '../entra/registeredApps';
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
  /** The apps created here, as Entra needs them to let them sign in (in-process). */
  readonly registeredApps: AppDirectory;
}

/** The store's applications as Entra's sign-in reads them: visible apps, their service principal and credentials. */
function registeredApps(store: GraphStore): AppDirectory {
  return {
    application(appId) {
      const app = store.findApplication({ appId });
      if (!app || !store.isVisible(app)) return undefined;
      const sp = store.findServicePrincipal({ appId });
      return {
        appId: app.appId,
        displayName: app.displayName,
        servicePrincipalId: sp && store.isVisible(sp) ? sp.id : undefined,
        passwordCredentials: app.passwordCredentials,
        keyCredentials: app.keyCredentials,
      };
    },
    now: () => store.now(),
  };
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
  return { ...service, issuedSecretTexts: store.issuedSecretTexts, registeredApps: registeredApps(store) };
}
