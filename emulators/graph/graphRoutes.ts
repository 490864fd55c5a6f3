import { Route } from '../host/routedService';
import { keyed } from './addressing';
import * as applications from './applications';
import { GraphCaller, GraphPermission } from './graphAccess';
import { GraphStore } from './graphStore';
import * as ownership from './ownership';
import * as passwordCredentials from './passwordCredentials';
import * as servicePrincipals from './servicePrincipals';

export type GraphRoute = Route<GraphStore, GraphCaller, GraphPermission>;

/**
 * Every Graph operation the emulator serves. `keyed(set, suffix)` is both address forms (`/{id}` and `(appId='…')`);
 * `[microsoft.graph.]` marks the optional namespace of a bound action. `permission` is checked before the handler
 * runs; whether the caller may change *this* object (OwnedBy) is checked by the handler once it has the object.
 */
// prettier-ignore
export const GRAPH_ROUTES: readonly GraphRoute[] = [
  { method: 'GET', path: '/v1.0/applications', permission: 'read', handler: applications.list },
  { method: 'POST', path: '/v1.0/applications', permission: 'write', handler: applications.create },
  { method: 'GET', path: keyed('applications'), permission: 'read', handler: applications.get },
  { method: 'PATCH', path: keyed('applications'), permission: 'write', handler: applications.update },
  { method: 'DELETE', path: keyed('applications'), permission: 'write', handler: applications.remove },
  { method: 'POST', path: keyed('applications', '/[microsoft.graph.]addPassword'), permission: 'write', handler: passwordCredentials.addApplicationPassword },
  { method: 'POST', path: keyed('applications', '/[microsoft.graph.]removePassword'), permission: 'write', handler: passwordCredentials.removeApplicationPassword },
  { method: 'GET', path: keyed('applications', '/owners'), permission: 'read', handler: ownership.applicationOwners },

  { method: 'GET', path: '/v1.0/servicePrincipals', permission: 'read', handler: servicePrincipals.list },
  { method: 'POST', path: '/v1.0/servicePrincipals', permission: 'write', handler: servicePrincipals.create },
  { method: 'GET', path: keyed('servicePrincipals'), permission: 'read', handler: servicePrincipals.get },
  { method: 'DELETE', path: keyed('servicePrincipals'), permission: 'write', handler: servicePrincipals.remove },
  { method: 'POST', path: keyed('servicePrincipals', '/[microsoft.graph.]addPassword'), permission: 'write', handler: passwordCredentials.addServicePrincipalPassword },
  { method: 'POST', path: keyed('servicePrincipals', '/[microsoft.graph.]removePassword'), permission: 'write', handler: passwordCredentials.removeServicePrincipalPassword },
  { method: 'GET', path: keyed('servicePrincipals', '/owners'), permission: 'read', handler: ownership.servicePrincipalOwners },
  { method: 'GET', path: keyed('servicePrincipals', '/ownedObjects'), permission: 'read', handler: ownership.ownedObjects },
  { method: 'GET', path: keyed('servicePrincipals', '/ownedObjects/microsoft.graph.application'), permission: 'read', handler: ownership.ownedApplications },
  { method: 'GET', path: keyed('servicePrincipals', '/ownedObjects/microsoft.graph.servicePrincipal'), permission: 'read', handler: ownership.ownedServicePrincipals },
];
