import { EmulatorError } from '../host/emulatorError';
import { Call } from '../host/routedService';
import { RouteParams } from '../host/routeTable';
import { ServiceResponse } from '../host/serviceHost';
import { applicationAt, isGuid, servicePrincipalAt } from './addressing';
import { GraphCaller, requireChangeRight } from './graphAccess';
import { invalidPropertyValue } from './graphErrors';
import { GraphStore, OwnedObject } from './graphStore';
import { readJsonBody } from './odata';
import { newPasswordCredential } from './passwords';
import { passwordCredentialJson } from './representations';

type GraphHandler = (call: Call<GraphStore, GraphCaller>) => ServiceResponse;

/** How a route finds the object whose passwords it changes (`applicationAt`, `servicePrincipalAt`). */
type Addressed = (store: GraphStore, params: RouteParams) => OwnedObject;

/**
 * `POST …/addPassword {"passwordCredential"?: {displayName?, startDateTime?, endDateTime?}}` on the object `find`
 * addresses: a new password credential, its `secretText` in this answer only. `resource` names the type in errors.
 */
export function addPasswordOn(find: Addressed, resource: string): GraphHandler {
  return ({ request, params, caller, state }) => {
    const owner = find(state, params);
    requireChangeRight(caller, owner);
    const input = readJsonBody(request).passwordCredential ?? {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw invalidPropertyValue('passwordCredential', resource);
    }
    const { record, secretText } = newPasswordCredential(
      input as Record<string, unknown>,
      state.policy,
      new Date(state.now()),
    );
    owner.passwordCredentials.push(record);
    state.issuedSecretTexts.push(secretText);
    return {
      status: 200,
      body: {
        '@odata.context': `${request.origin}/v1.0/$metadata#microsoft.graph.passwordCredential`,
        ...passwordCredentialJson(record, secretText),
      },
    };
  };
}

/** `POST …/removePassword {"keyId"}` on the object `find` addresses: 204. */
export function removePasswordOn(find: Addressed): GraphHandler {
  return ({ request, params, caller, state }) => {
    const owner = find(state, params);
    requireChangeRight(caller, owner);
    const keyId = readJsonBody(request).keyId;
    if (typeof keyId !== 'string' || !isGuid(keyId)) throw invalidPropertyValue('keyId', 'PasswordCredential');
    const index = owner.passwordCredentials.findIndex((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
    if (index === -1) {
      // Emulator choice; not verified against Graph.
      throw new EmulatorError(404, 'Request_ResourceNotFound', `No password credential found with keyId '${keyId}'.`);
    }
    owner.passwordCredentials.splice(index, 1);
    return { status: 204 };
  };
}

export const addApplicationPassword = addPasswordOn(applicationAt, 'Application');
export const removeApplicationPassword = removePasswordOn(applicationAt);
export const addServicePrincipalPassword = addPasswordOn(servicePrincipalAt, 'ServicePrincipal');
export const removeServicePrincipalPassword = removePasswordOn(servicePrincipalAt);
