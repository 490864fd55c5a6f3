import { EmulatedService } from '../host/serviceHost';
import { TokenIssuer } from '../entra/tokenIssuer';

/** The Graph emulator; `issuedSecretTexts` is in-process only (leak tests), never served over HTTP. */
export interface GraphEmulator extends EmulatedService {
  /** Every `secretText` this emulator has issued since it started, oldest first. */
  readonly issuedSecretTexts: readonly string[];
}

/** Microsoft Graph v1.0 (applications, service principals, passwords) — being built. */
export function createGraphService(issuer: TokenIssuer): GraphEmulator {
  void issuer;
  return {
    name: 'graph',
    issuedSecretTexts: [],
    handle: () => ({ status: 501, body: { error: { code: 'NotImplemented', message: 'not built yet' } } }),
    faultResponse: (status) => ({ status, body: {} }),
    reset() {},
  };
}
