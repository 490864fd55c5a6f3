import forge from 'node-forge';
import { ServiceResponse } from '../host/serviceHost';
import { badParameter, bodyInvalid, keyDisabled, keyNotFound, keyOperationNotAllowed } from './keyVaultErrors';
import { keyBundle, objectId } from './representations';
import { readBody } from './secretBodies';
import { VaultCall } from './secrets';
import { KeyVersion, StoredKey, VaultState, versionOf } from './vaultState';

/** Signature algorithms on RSA keys: the digest each expects (forge's name and length in bytes), PSS or PKCS#1 v1.5. */
const ALGORITHMS: Record<string, { md: 'sha256' | 'sha384' | 'sha512'; bytes: number; pss: boolean }> = {
  RS256: { md: 'sha256', bytes: 32, pss: false },
  RS384: { md: 'sha384', bytes: 48, pss: false },
  RS512: { md: 'sha512', bytes: 64, pss: false },
  PS256: { md: 'sha256', bytes: 32, pss: true },
  PS384: { md: 'sha384', bytes: 48, pss: true },
  PS512: { md: 'sha512', bytes: 64, pss: true },
};

function keyVersion(state: VaultState, name: string, version: string): { key: StoredKey; v: KeyVersion } {
  const key = state.keys.get(name);
  const v = key && versionOf(key.versions, version);
  if (!key || !v) throw keyNotFound(version ? `${name}/${version}` : name);
  return { key, v };
}

/** The key a crypto operation may use: enabled, and allowed the operation by its `key_ops`. */
function usableKey(state: VaultState, name: string, version: string, operation: 'sign' | 'verify') {
  const found = keyVersion(state, name, version);
  if (!found.v.enabled) throw keyDisabled(operation);
  if (!found.v.keyOps.includes(operation)) throw keyOperationNotAllowed(operation);
  return found;
}

function base64urlField(body: Record<string, unknown>, field: string): Buffer {
  const value = body[field];
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(value)) throw bodyInvalid();
  return Buffer.from(value, 'base64url');
}

/** What a sign or verify request names: the algorithm, the digest and forge's signature scheme for it. */
interface SignatureRequest {
  algorithm: { md: 'sha256' | 'sha384' | 'sha512'; bytes: number; pss: boolean };
  digest: Buffer;
  scheme: Scheme;
}

/** forge's signature scheme: PKCS#1 v1.5 by name, or a PSS object (its typings say `any`; these say what we pass). */
type Scheme = 'RSASSA-PKCS1-V1_5' | object;
const createPss = forge.pss.create as (options: {
  md: forge.md.MessageDigest;
  mgf: object;
  saltLength: number;
}) => object;
const createMgf1 = forge.mgf.mgf1.create as (md: forge.md.MessageDigest) => object;

/** PSS with the algorithm's hash for the message and MGF1, salt as long as the hash (what PS256/384/512 mean). */
function pssScheme(md: 'sha256' | 'sha384' | 'sha512', saltLength: number): Scheme {
  return createPss({ md: forge.md[md].create(), mgf: createMgf1(forge.md[md].create()), saltLength });
}

/** `{alg, value}` (and `digest` for verify): a known RSA algorithm and a digest of the length it expects. */
function readSignatureRequest(body: Record<string, unknown>, digestField: string): SignatureRequest {
  const algorithm = typeof body.alg === 'string' ? ALGORITHMS[body.alg] : undefined;
  if (!algorithm) throw badParameter(`Invalid algorithm: ${String(body.alg)}`);
  const digest = base64urlField(body, digestField);
  // Wording unverified: the service refuses a digest whose length does not fit the algorithm.
  if (digest.length !== algorithm.bytes) throw badParameter('Invalid digest length for the algorithm.');
  const scheme = algorithm.pss ? pssScheme(algorithm.md, algorithm.bytes) : 'RSASSA-PKCS1-V1_5';
  return { algorithm, digest, scheme };
}

/** `GET /keys/{name}/{version?}`: the public part only. */
export function get({ request, params, state }: VaultCall): ServiceResponse {
  const { key, v } = keyVersion(state, params.name!, params.version ?? '');
  return { status: 200, body: keyBundle(request.origin, key, v) };
}

/**
 * `POST /keys/{name}/{version}/sign {alg, value}`: signs the given digest inside the vault; the answer carries the
 * signature (base64url) and the key id, never the key.
 */
export function sign({ request, params, state }: VaultCall): ServiceResponse {
  const { key, v } = usableKey(state, params.name!, params.version!, 'sign');
  const { algorithm, digest, scheme } = readSignatureRequest(readBody(request), 'value');
  // forge signs a message digest object: hand it the digest already computed.
  const precomputed = { algorithm: algorithm.md, digest: () => forge.util.createBuffer(digest.toString('binary')) };
  const privateKey = forge.pki.privateKeyFromPem(v.privateKeyPem);
  const signature = Buffer.from(privateKey.sign(precomputed as unknown as forge.md.MessageDigest, scheme), 'binary');
  return {
    status: 200,
    body: { kid: objectId(request.origin, 'keys', key.name, v.version), value: signature.toString('base64url') },
  };
}

/** `POST /keys/{name}/{version}/verify {alg, digest, value}`: `{value: true|false}`. */
export function verify({ request, params, state }: VaultCall): ServiceResponse {
  const { v } = usableKey(state, params.name!, params.version!, 'verify');
  const body = readBody(request);
  const { digest, scheme } = readSignatureRequest(body, 'digest');
  const signature = base64urlField(body, 'value');
  const publicKey = forge.pki.setRsaPublicKey(
    new forge.jsbn.BigInteger(Buffer.from(v.n, 'base64url').toString('hex'), 16),
    new forge.jsbn.BigInteger(Buffer.from(v.e, 'base64url').toString('hex'), 16),
  );
  let valid: boolean;
  try {
    valid = publicKey.verify(digest.toString('binary'), signature.toString('binary'), scheme);
  } catch {
    valid = false;
  }
  return { status: 200, body: { value: valid } };
}
