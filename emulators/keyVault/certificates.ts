import { randomBytes } from 'node:crypto';
import { ServiceResponse } from '../host/serviceHost';
import { issueSelfSigned } from './certificateIssuance';
import { readCreateBody } from './certificatePolicy';
import { certificateNotFound, pendingCertificateNotFound } from './keyVaultErrors';
import {
  certificateBundle,
  certificateItem,
  certificateOperation,
  certificatePolicy,
  objectId,
} from './representations';
import { readUpdateBody } from './secretBodies';
import { VaultCall } from './secrets';
import { vaultPage } from './vaultPaging';
import {
  CertificateVersion,
  latest,
  newVersion,
  newVersionId,
  StoredCertificate,
  VaultState,
  versionOf,
} from './vaultState';

function certificateNamed(state: VaultState, name: string): StoredCertificate {
  const cert = state.certificates.get(name);
  if (!cert) throw certificateNotFound(name);
  return cert;
}

function certificateVersion(state: VaultState, name: string, version: string) {
  const cert = state.certificates.get(name);
  const v = cert && versionOf(cert.versions, version);
  if (!cert || !v) throw certificateNotFound(version ? `${name}/${version}` : name);
  return { cert, v };
}

/**
 * `POST /certificates/{name}/create`: a new version, issued by `Self`. Like the service, it makes a key and a secret
 * of the same name and version (`managed`; the secret holds the private key only when the policy says exportable)
 * and answers 202 with the pending operation and its `Location`; here issuance completes at once, so the first poll
 * of `/pending` answers `completed`.
 */
export function create({ request, params, state }: VaultCall): ServiceResponse {
  const name = params.name!;
  const { issuance, policy, properties } = readCreateBody(request);
  // On the vault's clock (`POST /_emulator/clock`), like every date it keeps.
  const now = state.nowSeconds();
  const issued = issueSelfSigned(issuance, new Date(now * 1000));
  const version = newVersionId();
  const validity = { nbf: issued.notBefore.getTime() / 1000, exp: issued.notAfter.getTime() / 1000 };
  const attributes = { ...properties, ...validity };

  const key = state.keys.get(name) ?? state.keys.set({ name, versions: [], managed: true });
  key.versions.push({
    ...newVersion(version, attributes, now),
    privateKeyPem: issued.privateKeyPem,
    n: issued.n,
    e: issued.e,
    keyOps: issued.keyOps,
  });
  const kid = objectId(request.origin, 'keys', key.name, version);
  state.addVersion(name, issued.secretValue, { ...attributes, contentType: issuance.contentType }, { version, kid });

  const existing = state.certificates.get(name);
  const cert =
    existing ?? state.certificates.set({ name, versions: [], policy, policyCreated: now, pending: undefined });
  cert.policy = policy;
  const certVersion: CertificateVersion = { ...newVersion(version, attributes, now), der: issued.der };
  cert.versions.push(certVersion);
  const requestId = randomBytes(16).toString('hex');
  cert.pending = { requestId, issuerName: 'Self', status: 'completed' };
  const apiVersion = encodeURIComponent(request.query.get('api-version') ?? '');
  return {
    status: 202,
    headers: {
      location: `${request.origin}/certificates/${cert.name}/pending?api-version=${apiVersion}&request_id=${requestId}`,
    },
    body: certificateOperation(request.origin, cert, { ...cert.pending, status: 'inProgress' }),
  };
}

/** `GET /certificates/{name}/pending`. */
export function getPending({ request, params, state }: VaultCall): ServiceResponse {
  const cert = state.certificates.get(params.name!);
  if (!cert?.pending) throw pendingCertificateNotFound(params.name!);
  return { status: 200, body: certificateOperation(request.origin, cert, cert.pending) };
}

/** `GET /certificates/{name}/{version?}`: the bundle with `cer`, `kid`, `sid` and the policy. */
export function get({ request, params, state }: VaultCall): ServiceResponse {
  const { cert, v } = certificateVersion(state, params.name!, params.version ?? '');
  return { status: 200, body: certificateBundle(request.origin, cert, v) };
}

/**
 * `PATCH /certificates/{name}/{version?}`: attributes and tags. The service keeps a certificate's key and secret
 * in step with it, so disabling a version disables its key (no more signing) and its secret (no more reading).
 */
export function update({ request, params, state }: VaultCall): ServiceResponse {
  const changes = readUpdateBody(request);
  const { cert, v } = certificateVersion(state, params.name!, params.version ?? '');
  state.update(v, { ...changes, contentType: undefined });
  const mirrored = { enabled: changes.enabled, nbf: changes.nbf, exp: changes.exp };
  const keyVersion = versionOf(state.keys.get(cert.name)?.versions ?? [], v.version);
  if (keyVersion) state.update(keyVersion, mirrored);
  const secret = state.live(cert.name);
  const secretVersion = secret && state.version(secret, v.version);
  if (secretVersion) state.update(secretVersion, mirrored);
  return { status: 200, body: certificateBundle(request.origin, cert, v) };
}

/** `GET /certificates/{name}/policy`. */
export function getPolicy({ request, params, state }: VaultCall): ServiceResponse {
  return { status: 200, body: certificatePolicy(request.origin, certificateNamed(state, params.name!)) };
}

/** `GET /certificates`: the latest version of each certificate, paged. */
export function list({ request, state }: VaultCall): ServiceResponse {
  const items = state.certificates.all().map((c) => certificateItem(request.origin, c, latest(c), false));
  return vaultPage(request, '/certificates', items);
}

/** `GET /certificates/{name}/versions`: an unknown name lists nothing, as for secrets. */
export function listVersions({ request, params, state }: VaultCall): ServiceResponse {
  const cert = state.certificates.get(params.name!);
  const items = cert ? cert.versions.map((v) => certificateItem(request.origin, cert, v, true)) : [];
  return vaultPage(request, `/certificates/${cert?.name ?? params.name!}/versions`, items);
}
