import { EmulatedService } from '../host/serviceHost';
import { TokenIssuer } from '../entra/tokenIssuer';

/** Microsoft Graph v1.0 (applications, service principals, passwords) — being built. */
export function createGraphService(issuer: TokenIssuer): EmulatedService {
  void issuer;
  return {
    name: 'graph',
    handle: () => ({ status: 501, body: { error: { code: 'NotImplemented', message: 'not built yet' } } }),
    faultResponse: (status) => ({ status, body: {} }),
    reset() {},
  };
}
