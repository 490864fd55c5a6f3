import { RouteParams } from '../host/routeTable';
import { invalidObjectIdentifier, notFound } from './graphErrors';
import { ApplicationRecord, GraphStore, ObjectKey, ServicePrincipalRecord } from './graphStore';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * Both ways Graph addresses one object of a set, as route templates: by object id (`/v1.0/applications/{id}`) and by
 * alternate key (`/v1.0/applications(appId='{appId}')`), each followed by `suffix` (`/owners`, `/[microsoft.graph.]addPassword`).
 */
export function keyed(set: 'applications' | 'servicePrincipals', suffix = ''): readonly string[] {
  return [`/v1.0/${set}/{id}${suffix}`, `/v1.0/${set}(appId='{appId}')${suffix}`];
}

/** The key a {@link keyed} route was called with; a value that is no GUID fails as Graph does. */
function objectKey(params: RouteParams): ObjectKey {
  const key: ObjectKey = params.id !== undefined ? { id: params.id } : { appId: params.appId ?? '' };
  const value = key.id ?? key.appId ?? '';
  if (!isGuid(value)) throw invalidObjectIdentifier(value);
  return key;
}

function visible<T extends { createdAt: number }>(store: GraphStore, record: T | undefined, params: RouteParams): T {
  if (!record || !store.isVisible(record)) throw notFound(params.id ?? params.appId ?? '');
  return record;
}

/** The application a {@link keyed} route names: 400 for a malformed key, 404 while missing or still replicating. */
export function applicationAt(store: GraphStore, params: RouteParams): ApplicationRecord {
  return visible(store, store.findApplication(objectKey(params)), params);
}

/** The service principal a {@link keyed} route names, as {@link applicationAt}. */
export function servicePrincipalAt(store: GraphStore, params: RouteParams): ServicePrincipalRecord {
  return visible(store, store.findServicePrincipal(objectKey(params)), params);
}
