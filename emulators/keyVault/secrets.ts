import { Call } from '../host/routedService';
import { ServiceResponse } from '../host/serviceHost';
import { KeyVaultCaller } from './keyVaultAccess';
import { deletedButRecoverable, notImplemented, secretDisabled, secretNotFound } from './keyVaultErrors';
import { deletedSecretInfo, secretBundle, secretItem } from './representations';
import { readSetBody, readUpdateBody } from './secretBodies';
import { vaultPage } from './vaultPaging';
import { latest, SecretVersion, StoredSecret, VaultState } from './vaultState';

export type VaultCall = Call<VaultState, KeyVaultCaller>;

/** A version of a live secret (`version` '' = the latest), or 404 naming what was asked for. */
function liveVersion(state: VaultState, name: string, version: string): { secret: StoredSecret; v: SecretVersion } {
  const secret = state.live(name);
  const v = secret && state.version(secret, version);
  if (!secret || !v) throw secretNotFound(version ? `${name}/${version}` : name);
  return { secret, v };
}

/** `PUT /secrets/{name}`: a new version; refused while the name is soft-deleted. */
export function set({ request, params, state }: VaultCall): ServiceResponse {
  const name = params.name!;
  const { value, properties } = readSetBody(request);
  const deleted = state.deleted(name);
  if (deleted) throw deletedButRecoverable(deleted.name);
  const { secret, version } = state.addVersion(name, value, properties);
  return { status: 200, body: secretBundle(request.origin, secret, version, true) };
}

/** `GET /secrets/{name}/{version?}`: the value; a disabled version is refused. */
export function get({ request, params, state }: VaultCall): ServiceResponse {
  const { secret, v } = liveVersion(state, params.name!, params.version ?? '');
  if (!v.enabled) throw secretDisabled();
  return { status: 200, body: secretBundle(request.origin, secret, v, true) };
}

/** `PATCH /secrets/{name}/{version?}`: attributes, tags, content type; the answer has no value. */
export function update({ request, params, state }: VaultCall): ServiceResponse {
  const changes = readUpdateBody(request);
  const { secret, v } = liveVersion(state, params.name!, params.version ?? '');
  state.update(v, changes);
  return { status: 200, body: secretBundle(request.origin, secret, v, false) };
}

/** `DELETE /secrets/{name}`: soft-deletes every version. */
export function remove({ request, params, state }: VaultCall): ServiceResponse {
  const secret = state.live(params.name!);
  if (!secret) throw secretNotFound(params.name!);
  state.softDelete(secret);
  const body = {
    ...deletedSecretInfo(request.origin, secret),
    ...secretBundle(request.origin, secret, latest(secret), false),
  };
  return { status: 200, body };
}

/** `GET /secrets`: the latest version of each live secret, paged, without values. */
export function list({ request, state }: VaultCall): ServiceResponse {
  return vaultPage(request, '/secrets', state.listLive(), (s) => secretItem(request.origin, s, latest(s), false));
}

/** `GET /secrets/{name}/versions`: an unknown name lists nothing rather than 404, as the service does. */
export function listVersions({ request, params, state }: VaultCall): ServiceResponse {
  const secret = state.live(params.name!);
  const items = secret ? secret.versions.map((v) => secretItem(request.origin, secret, v, true)) : [];
  return vaultPage(request, `/secrets/${secret?.name ?? params.name!}/versions`, items);
}

/** `POST /secrets/{name}/backup`, `POST /secrets/restore`: not emulated. */
export function backupOrRestore(): ServiceResponse {
  throw notImplemented('secret backup and restore');
}
