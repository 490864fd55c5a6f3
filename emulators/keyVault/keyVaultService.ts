import { EmulatedService } from '../host/serviceHost';
import { TokenIssuer } from '../entra/tokenIssuer';

/** Key Vault secrets data plane — being built. */
export function createKeyVaultService(issuer: TokenIssuer): EmulatedService {
  void issuer;
  return {
    name: 'keyVault',
    handle: () => ({ status: 501, body: { error: { code: 'NotImplemented', message: 'not built yet' } } }),
    faultResponse: (status) => ({ status, body: {} }),
    reset() {},
  };
}
