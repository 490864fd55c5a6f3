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
  /** A public client (`isFallbackPublicClient`): signs users in without a secret of its own. */
  publicClient?: boolean;
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
  /** Signs in with it through the token endpoint (password grant). Emulator-only. */
  password: string;
  /** App roles of the vending API assigned to the user directly. */
  apiRoles: string[];
}

/** A security group: its members hold its app roles and carry its object id in their tokens' `groups` claim. */
export interface SeedGroup {
  displayName: string;
  objectId: string;
  /** userPrincipalNames of its members. */
  members: string[];
  /** App roles of the vending API assigned to the group. */
  apiRoles: string[];
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
    /** Delegated scopes it exposes (`oauth2PermissionScopes`), e.g. `access_as_user`. */
    scopes: string[];
  };
  principals: Record<string, SeedPrincipal>;
  users: SeedUser[];
  groups: SeedGroup[];
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

/** A seeded user by sign-in name, case-insensitively. */
export function findUser(seed: Seed, userPrincipalName: string): SeedUser | undefined {
  const wanted = userPrincipalName.toLowerCase();
  return seed.users.find((u) => u.userPrincipalName.toLowerCase() === wanted);
}

/** The groups a user is a member of. */
export function groupsOf(seed: Seed, user: SeedUser): SeedGroup[] {
  const upn = user.userPrincipalName.toLowerCase();
  return seed.groups.filter((g) => g.members.some((m) => m.toLowerCase() === upn));
}

/** A user's app roles on the vending API: assigned to the user, or to one of its groups. */
export function userApiRoles(seed: Seed, user: SeedUser): string[] {
  return [...new Set([...user.apiRoles, ...groupsOf(seed, user).flatMap((g) => g.apiRoles)])];
}
