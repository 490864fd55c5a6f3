import { EmulatorError } from '../host/emulatorError';
import { Call } from '../host/routedService';
import { ServiceResponse } from '../host/serviceHost';
import { isGuid, servicePrincipalAt } from './addressing';
import { GraphCaller, requireChangeRight } from './graphAccess';
import { invalidPropertyValue } from './graphErrors';
import { GraphStore } from './graphStore';
import { collectionBody, contextUrl, entityBody, readJsonBody } from './odata';
import { SERVICE_PRINCIPALS, servicePrincipalJson } from './representations';

type GraphCall = Call<GraphStore, GraphCaller>;

/** `GET /servicePrincipals`. */
export function list({ request, state }: GraphCall): ServiceResponse {
  return {
    status: 200,
    body: collectionBody(request, SERVICE_PRINCIPALS, state.listServicePrincipals(), servicePrincipalJson),
  };
}

/**
 * `POST /servicePrincipals {"appId"}`: one per application, for an application the caller may change (OwnedBy: owns);
 * the caller becomes its owner. An app still replicating has no "backing application object" yet.
 */
export function create({ request, caller, state }: GraphCall): ServiceResponse {
  const body = readJsonBody(request);
  const appId = body.appId;
  if (typeof appId !== 'string' || appId.trim() === '') throw invalidPropertyValue('appId', 'ServicePrincipal');
  if (state.findServicePrincipal({ appId })) {
    throw new EmulatorError(
      409,
      'Request_MultipleObjectsWithSameKeyValue',
      `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`,
    );
  }
  const app = isGuid(appId) ? state.findApplication({ appId }) : undefined;
  if (!app || !state.isVisible(app)) {
    const message = `The appId '${appId}' of the service principal does not reference a valid application object.`;
    throw new EmulatorError(400, 'Request_BadRequest', message, {
      details: [{ code: 'NoBackingApplicationObject', message, target: 'appId' }],
    });
  }
  requireChangeRight(caller, app);
  if ('accountEnabled' in body && typeof body.accountEnabled !== 'boolean')
    throw invalidPropertyValue('accountEnabled', 'ServicePrincipal');
  const sp = state.addServicePrincipal({
    appId: app.appId,
    displayName: app.displayName,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: state.tenantId,
    servicePrincipalNames: [app.appId, ...((app.props.identifierUris as string[] | undefined) ?? [])],
    appRoles: (app.props.appRoles as unknown[] | undefined) ?? [],
    owners: new Set([caller.objectId]),
  });
  if (body.accountEnabled === false) sp.accountEnabled = false;
  return {
    status: 201,
    body: {
      '@odata.context': contextUrl(request.origin, SERVICE_PRINCIPALS.name, undefined, true),
      ...servicePrincipalJson(sp),
    },
  };
}

/** `GET /servicePrincipals/{id}` or `(appId='…')`, with `$select`. */
export function get({ request, params, state }: GraphCall): ServiceResponse {
  const sp = servicePrincipalAt(state, params);
  return { status: 200, body: entityBody(request, SERVICE_PRINCIPALS, servicePrincipalJson(sp)) };
}

/** `DELETE /servicePrincipals/{id}` or `(appId='…')`. */
export function remove({ params, caller, state }: GraphCall): ServiceResponse {
  const sp = servicePrincipalAt(state, params);
  requireChangeRight(caller, sp);
  state.deleteServicePrincipal(sp);
  return { status: 204 };
}
