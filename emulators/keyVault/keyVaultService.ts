import { TokenIssuer } from '../entra/tokenIssuer';
import { defineService } from '../host/routedService';
import { badControlRequest } from '../host/controlPlane';
import { isJsonObject } from '../host/jsonBody';
import { EmulatedService } from '../host/serviceHost';
import { challengeHeader, keyVaultAccess } from './keyVaultAccess';
import { invalidName, keyVaultErrors, missingApiVersion, unknownApiVersion } from './keyVaultErrors';
import { KEY_VAULT_ROUTES } from './keyVaultRoutes';
import { certificateMetadata, secretMetadata } from './representations';
import { LIMITS, readSetFields } from './secretBodies';
import { VaultState } from './vaultState';

/** api-versions the secrets data plane accepts (the SDK sends `2025-07-01` by default, `7.x` on request). */
export const SUPPORTED_API_VERSIONS: readonly string[] = [
  '2015-06-01',
  '2016-10-01',
  '7.0',
  '7.1',
  '7.2',
  '7.3',
  '7.4',
  '7.5',
  '7.6',
  '2025-06-01',
  '2025-07-01',
];
export const LATEST_API_VERSION = '2025-07-01';
/** Most versions one bulk control call writes. */
export const MAX_BULK_SECRETS = 5_000;

/** The Key Vault data plane (secrets) over the shared emulator host. */
export function createKeyVaultService(issuer: TokenIssuer): EmulatedService {
  const state = new VaultState();
  return defineService({
    name: 'keyVault',
    state,
    routes: KEY_VAULT_ROUTES,
    access: keyVaultAccess(issuer),
    errors: keyVaultErrors(() => challengeHeader(issuer)),
    checkRequest(request) {
      const apiVersion = request.query.get('api-version');
      if (apiVersion === null || apiVersion === '') throw missingApiVersion();
      if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) throw unknownApiVersion(apiVersion, LATEST_API_VERSION);
    },
    checkParams({ name }) {
      if (name !== undefined && !LIMITS.namePattern.test(name)) throw invalidName(name);
    },
    headers: (request) => ({ 'x-ms-request-id': request.requestId }),
    controlRoutes: {
      /** Every secret's metadata, for tests of the API: no values, ever. */
      'GET secrets': () => ({ status: 200, body: state.all().map(secretMetadata) }),
      /** Every certificate's versions with their state and tags, for tests of the API: no key, no secret. */
      'GET certificates': () => ({ status: 200, body: state.certificates.all().map(certificateMetadata) }),
      /** Moves the vault's clock forward (`{"advanceMs"}`), as Graph's does: new versions are created "later". */
      'POST clock': ({ advanceMs }) => {
        if (typeof advanceMs !== 'number' || !(advanceMs >= 0)) throw badControlRequest('advanceMs must be >= 0');
        state.clockOffsetMs += advanceMs;
        return { status: 200, body: { offsetMs: state.clockOffsetMs } };
      },
      /**
       * Writes many versions at once (tests and benchmarks at scale): `{"secrets": [{name, value, contentType?, tags?,
       * attributes?}]}`, each entry a set body plus its name, at most {@link MAX_BULK_SECRETS}. Answers names and versions.
       */
      'POST secrets': ({ secrets }) => {
        if (!Array.isArray(secrets) || secrets.length > MAX_BULK_SECRETS)
          throw badControlRequest(`secrets must be an array of at most ${MAX_BULK_SECRETS} set bodies with a name`);
        const entries = secrets.map((entry: unknown) => {
          if (!isJsonObject(entry) || typeof entry.name !== 'string' || !LIMITS.namePattern.test(entry.name))
            throw badControlRequest('every entry needs a valid secret name');
          if (state.deleted(entry.name)) throw badControlRequest(`secret ${entry.name} is soft-deleted`);
          return { name: entry.name, ...readSetFields(entry) };
        });
        const written = entries.map(({ name, value, properties }) => {
          const { secret, version } = state.addVersion(name, value, properties);
          return { name: secret.name, version: version.version };
        });
        return { status: 201, body: { secrets: written } };
      },
    },
    reset: () => state.clear(),
  });
}
