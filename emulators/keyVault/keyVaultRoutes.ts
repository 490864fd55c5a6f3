import { Route } from '../host/routedService';
import * as deletedSecrets from './deletedSecrets';
import { KeyVaultCaller, SecretAction, SecretActionName } from './keyVaultAccess';
import * as secrets from './secrets';
import { VaultState } from './vaultState';

export type KeyVaultRoute = Route<VaultState, KeyVaultCaller, SecretActionName>;

/**
 * Every Key Vault data-plane operation the emulator serves, with the RBAC data action it needs: on the secret `{name}`
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
];
