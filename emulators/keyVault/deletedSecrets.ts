import { ServiceResponse } from '../host/serviceHost';
import { deletedSecretNotFound } from './keyVaultErrors';
import { deletedSecretInfo, secretBundle, secretItem } from './representations';
import { VaultCall } from './secrets';
import { vaultPage } from './vaultPaging';
import { latest, StoredSecret, VaultState } from './vaultState';

function deletedSecret(state: VaultState, name: string): StoredSecret {
  const secret = state.deleted(name);
  if (!secret) throw deletedSecretNotFound(name);
  return secret;
}

/** `GET /deletedsecrets`. */
export function list({ request, state }: VaultCall): ServiceResponse {
  const items = state
    .listDeleted()
    .map((s) => ({ ...deletedSecretInfo(request.origin, s), ...secretItem(request.origin, s, latest(s), false) }));
  return vaultPage(request, '/deletedsecrets', items);
}

/** `GET /deletedsecrets/{name}`. */
export function get({ request, params, state }: VaultCall): ServiceResponse {
  const secret = deletedSecret(state, params.name!);
  const body = {
    ...deletedSecretInfo(request.origin, secret),
    ...secretBundle(request.origin, secret, latest(secret), false),
  };
  return { status: 200, body };
}

/** `POST /deletedsecrets/{name}/recover`: the secret back with every version. */
export function recover({ request, params, state }: VaultCall): ServiceResponse {
  const secret = deletedSecret(state, params.name!);
  state.recover(secret);
  return { status: 200, body: secretBundle(request.origin, secret, latest(secret), false) };
}

/** `DELETE /deletedsecrets/{name}`: purge, 204. */
export function purge({ params, state }: VaultCall): ServiceResponse {
  state.purge(deletedSecret(state, params.name!));
  return { status: 204 };
}
