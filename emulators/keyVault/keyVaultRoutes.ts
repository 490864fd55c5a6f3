import { Route } from '../host/routedService';
import * as certificates from './certificates';
import * as deletedSecrets from './deletedSecrets';
import { CertificateAction, KeyAction, KeyVaultCaller, SecretAction, VaultAction } from './keyVaultAccess';
import * as keys from './keys';
import * as secrets from './secrets';
import { VaultState } from './vaultState';

export type KeyVaultRoute = Route<VaultState, KeyVaultCaller, VaultAction>;

/**
 * Every Key Vault data-plane operation the emulator serves, with the RBAC data action it needs: on the object `{name}`
 * names, or on the vault for listings. `{version?}` may be absent or empty (`/secrets/{name}/`): the latest version.
 */
// prettier-ignore
export const KEY_VAULT_ROUTES: readonly KeyVaultRoute[] = [
  { method: 'GET', path: '/secrets', permission: SecretAction.readMetadata, handler: secrets.list },
  { method: 'PUT', path: '/secrets/{name}', permission: SecretAction.setSecret, handler: secrets.set },
  { method: 'DELETE', path: '/secrets/{name}', permission: SecretAction.delete, handler: secrets.remove },
  { method: 'GET', path: '/secrets/{name}/versions', permission: SecretAction.readMetadata, handler: secrets.listVersions },
  { method: 'GET', path: '/secrets/{name}/{version?}', permission: SecretAction.getSecret, handler: secrets.get },
  { method: 'PATCH', path: '/secrets/{name}/{version?}', permission: SecretAction.update, handler: secrets.update },
  { method: 'POST', path: '/secrets/{name}/backup', permission: SecretAction.backup, handler: secrets.backupOrRestore },
  { method: 'POST', path: '/secrets/restore', permission: SecretAction.restore, handler: secrets.backupOrRestore },

  { method: 'GET', path: '/deletedsecrets', permission: SecretAction.readMetadata, handler: deletedSecrets.list },
  { method: 'GET', path: '/deletedsecrets/{name}', permission: SecretAction.readMetadata, handler: deletedSecrets.get },
  { method: 'DELETE', path: '/deletedsecrets/{name}', permission: SecretAction.purge, handler: deletedSecrets.purge },
  { method: 'POST', path: '/deletedsecrets/{name}/recover', permission: SecretAction.recover, handler: deletedSecrets.recover },

  { method: 'GET', path: '/certificates', permission: CertificateAction.read, handler: certificates.list },
  { method: 'POST', path: '/certificates/{name}/create', permission: CertificateAction.create, handler: certificates.create },
  { method: 'GET', path: '/certificates/{name}/pending', permission: CertificateAction.read, handler: certificates.getPending },
  { method: 'GET', path: '/certificates/{name}/policy', permission: CertificateAction.read, handler: certificates.getPolicy },
  { method: 'GET', path: '/certificates/{name}/versions', permission: CertificateAction.read, handler: certificates.listVersions },
  { method: 'GET', path: '/certificates/{name}/{version?}', permission: CertificateAction.read, handler: certificates.get },
  { method: 'PATCH', path: '/certificates/{name}/{version?}', permission: CertificateAction.update, handler: certificates.update },

  { method: 'GET', path: '/keys/{name}/{version?}', permission: KeyAction.read, handler: keys.get },
  { method: 'POST', path: '/keys/{name}/{version}/sign', permission: KeyAction.sign, handler: keys.sign },
  { method: 'POST', path: '/keys/{name}/{version}/verify', permission: KeyAction.verify, handler: keys.verify },
];
