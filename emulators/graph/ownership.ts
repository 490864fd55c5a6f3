import { Call } from '../host/routedService';
import { ServiceResponse } from '../host/serviceHost';
import { applicationAt, servicePrincipalAt } from './addressing';
import { GraphCaller } from './graphAccess';
import { GraphStore, OwnedObject, UserRecord } from './graphStore';
import { collectionBody } from './odata';
import { APPLICATIONS, DIRECTORY_OBJECTS, directoryObjectJson, EntitySet, SERVICE_PRINCIPALS } from './representations';

type GraphCall = Call<GraphStore, GraphCaller>;
type Member = OwnedObject | UserRecord;

/** A directoryObject collection page; members keep their `@odata.type`. Users have no creation order: list order. */
function membersBody(call: GraphCall, set: EntitySet, members: Member[]): Record<string, unknown> {
  const sequenced = members.map((member, i) => ({ seq: 'seq' in member ? member.seq : i + 1, member }));
  return collectionBody(call.request, set, sequenced, (s) => directoryObjectJson(s.member, call.state.tenantDomain));
}

/** `GET /applications/{id}/owners` (or `(appId='…')`). */
export function applicationOwners(call: GraphCall): ServiceResponse {
  const { state, params } = call;
  return { status: 200, body: membersBody(call, DIRECTORY_OBJECTS, state.ownersOf(applicationAt(state, params))) };
}

/** `GET /servicePrincipals/{id}/owners` (or `(appId='…')`). */
export function servicePrincipalOwners(call: GraphCall): ServiceResponse {
  const { state, params } = call;
  return { status: 200, body: membersBody(call, DIRECTORY_OBJECTS, state.ownersOf(servicePrincipalAt(state, params))) };
}

/**
 * `GET /servicePrincipals/{id}/ownedObjects`, or with a cast segment (`/microsoft.graph.application`) only the
 * members of that type, whose properties `$select` may then name.
 */
function ownedOfType(
  { name, typeName, properties }: EntitySet,
  kind?: OwnedObject['kind'],
): (call: GraphCall) => ServiceResponse {
  // Navigation collections take no $filter here (Graph wants advanced queries for that).
  const set: EntitySet = { name, typeName, properties };
  return (call) => {
    const owner = servicePrincipalAt(call.state, call.params);
    const owned = call.state.ownedBy(owner.id).filter((o) => kind === undefined || o.kind === kind);
    return { status: 200, body: membersBody(call, set, owned) };
  };
}

export const ownedObjects = ownedOfType(DIRECTORY_OBJECTS);
export const ownedApplications = ownedOfType(APPLICATIONS, 'application');
export const ownedServicePrincipals = ownedOfType(SERVICE_PRINCIPALS, 'servicePrincipal');
