import { TokenIssuer } from '../entra/tokenIssuer';
import { defineService } from '../host/routedService';
import { EmulatedService } from '../host/serviceHost';
import { challengeHeader, keyVaultAccess } from './keyVaultAccess';
import { invalidName, keyVaultErrors, missingApiVersion, unknownApiVersion } from './keyVaultErrors';
import { KEY_VAULT_ROUTES } from './keyVaultRoutes';
import { secretMetadata } from './representations';
import { LIMITS } from './secretBodies';
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
    },
    reset: () => state.clear(),
  });
}
