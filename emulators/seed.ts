import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Who a seeded principal is and what it may do. */
export interface SeedPrincipal {
  kind: 'managedIdentity' | 'application';
  displayName: string;
  clientId: string;
  objectId: string;
  /** Only applications have one; managed identities get tokens from the identity endpoint. */
  clientSecret?: string;
  /** Graph application permissions, e.g. `Application.ReadWrite.OwnedBy`. */
  graphRoles: string[];
  /** Key Vault data-plane roles, e.g. `Key Vault Secrets Officer`. */
  keyVaultRoles: string[];
  /** App roles held on the vending API. */
  apiRoles: string[];
}

export interface SeedUser {
  displayName: string;
  userPrincipalName: string;
  objectId: string;
}

export interface SeedApplication {
  displayName: string;
  appId: string;
  objectId: string;
  /** Names of seeded principals that own it. */
  owners: string[];
}

/** The emulated tenant, as declared in `emulators/seed.json`. */
export interface Seed {
  tenantId: string;
  tenantDomain: string;
  vendingApi: {
    displayName: string;
    appId: string;
    objectId: string;
    servicePrincipalId: string;
    identifierUri: string;
    appRoles: string[];
  };
  principals: Record<string, SeedPrincipal>;
  users: SeedUser[];
  applications: SeedApplication[];
}

/** The seed checked in beside this file. */
export function loadSeed(path = join(__dirname, 'seed.json')): Seed {
  return JSON.parse(readFileSync(path, 'utf8')) as Seed;
}

/** Finds a seeded principal by client id (appId) or object id; returns its seed name too. */
export function findPrincipal(
  seed: Seed,
  match: { clientId?: string; objectId?: string },
): { name: string; principal: SeedPrincipal } | undefined {
  for (const [name, principal] of Object.entries(seed.principals)) {
    if (match.clientId !== undefined && principal.clientId.toLowerCase() === match.clientId.toLowerCase()) {
      return { name, principal };
    }
    if (match.objectId !== undefined && principal.objectId.toLowerCase() === match.objectId.toLowerCase()) {
      return { name, principal };
    }
  }
  return undefined;
}
