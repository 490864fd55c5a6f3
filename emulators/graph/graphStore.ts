import { createHash, randomUUID } from 'node:crypto';
import { Seed } from '../seed';
import { PasswordPolicy } from './passwords';

/** A stored password credential. The secret value itself is never stored: only its hash, for sign-in. */
export interface PasswordCredentialRecord {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
  /** SHA-256 of the secret (hex), never rendered; null for credentials planted without a secret. */
  secretHash?: string | null;
}

/** A stored key credential: the public certificate (DER, base64) and its window. */
export interface KeyCredentialRecord {
  keyId: string;
  displayName: string | null;
  /** Base64, as Graph renders Edm.Binary; the certificate's SHA-1 thumbprint (hex) unless the caller set one. */
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  key: string;
}

interface ObjectRecord {
  /** Creation order; paging tokens point into it. */
  seq: number;
  /** Emulator-clock ms when created here; 0 for the seed (never lagging). */
  createdAt: number;
  id: string;
  appId: string;
  displayName: string;
  createdDateTime: string;
  /** Object ids of owners (service principals or users). */
  owners: Set<string>;
  passwordCredentials: PasswordCredentialRecord[];
  keyCredentials: KeyCredentialRecord[];
}

export interface ApplicationRecord extends ObjectRecord {
  kind: 'application';
  /** The writable properties other than displayName, as last set. */
  props: Record<string, unknown>;
}

export interface ServicePrincipalRecord extends ObjectRecord {
  kind: 'servicePrincipal';
  servicePrincipalType: 'Application' | 'ManagedIdentity';
  appDisplayName: string | null;
  appOwnerOrganizationId: string | null;
  accountEnabled: boolean;
  servicePrincipalNames: string[];
  appRoles: unknown[];
  alternativeNames: string[];
  tags: string[];
}

export interface UserRecord {
  kind: 'user';
  id: string;
  displayName: string;
  userPrincipalName: string;
}

/** What can own and be owned here: applications and service principals. */
export type OwnedObject = ApplicationRecord | ServicePrincipalRecord;

/** An object addressed by object id (`/applications/{id}`) or by alternate key (`/applications(appId='…')`). */
export interface ObjectKey {
  id?: string;
  appId?: string;
}

/** The application properties a caller may set on create or PATCH, with the values a new app starts with. */
export function applicationDefaults(): Record<string, unknown> {
  return {
    description: null,
    groupMembershipClaims: null,
    identifierUris: [],
    isDeviceOnlyAuthSupported: null,
    isFallbackPublicClient: null,
    notes: null,
    serviceManagementReference: null,
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    tags: [],
    tokenEncryptionKeyId: null,
    optionalClaims: null,
    addIns: [],
    api: {
      acceptMappedClaims: null,
      knownClientApplications: [],
      requestedAccessTokenVersion: 2,
      oauth2PermissionScopes: [],
      preAuthorizedApplications: [],
    },
    appRoles: [],
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    publicClient: { redirectUris: [] },
    requiredResourceAccess: [],
    web: {
      homePageUrl: null,
      logoutUrl: null,
      redirectUris: [],
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
      redirectUriSettings: [],
    },
    spa: { redirectUris: [] },
  };
}

/** A stable GUID derived from a name (seeded app role ids). */
function nameGuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function appRole(value: string): Record<string, unknown> {
  return {
    allowedMemberTypes: ['Application'],
    description: value,
    displayName: value,
    id: nameGuid(`approle:${value}`),
    isEnabled: true,
    origin: 'Application',
    value,
  };
}

const SEED_CREATED = '2024-01-01T00:00:00Z';

interface NewObject {
  id?: string;
  displayName: string;
  owners: Set<string>;
  createdAt?: number;
}

interface NewServicePrincipal extends NewObject {
  appId: string;
  servicePrincipalType: 'Application' | 'ManagedIdentity';
  appOwnerOrganizationId: string | null;
  servicePrincipalNames: string[];
  appRoles: unknown[];
}

/**
 * The emulated tenant's Graph objects in memory: applications, service principals, users, owners and password
 * credentials, plus what the control plane sets (replication lag, app-management policy, clock offset). Knows nothing
 * of HTTP or JSON: `representations.ts` renders its records.
 */
export class GraphStore {
  readonly applications = new Map<string, ApplicationRecord>();
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  readonly users = new Map<string, UserRecord>();
  /** How long new objects stay invisible to follow-up calls (replication lag). */
  lagMs = 0;
  policy: PasswordPolicy | undefined;
  /** Added to the real clock (`PUT /_emulator/clock`), so tests age objects past the lag without sleeping. */
  clockOffsetMs = 0;
  /** Every `secretText` issued since start, oldest first; kept across resets, for tests that prove none leaks. */
  readonly issuedSecretTexts: string[] = [];
  private seq = 0;

  constructor(private readonly seed: Seed) {
    this.reset();
  }

  get tenantId(): string {
    return this.seed.tenantId;
  }

  get tenantDomain(): string {
    return this.seed.tenantDomain;
  }

  /** The object id of a seeded principal, by its seed name. */
  principalObjectId(name: string): string | undefined {
    return this.seed.principals[name]?.objectId;
  }

  /** The emulator's clock (ms since epoch). */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Forgets everything but the seed; lag, policy and clock offset are cleared too. */
  reset(): void {
    this.applications.clear();
    this.servicePrincipals.clear();
    this.users.clear();
    this.lagMs = 0;
    this.policy = undefined;
    this.clockOffsetMs = 0;
    this.seq = 0;
    const seed = this.seed;
    for (const user of seed.users) {
      this.users.set(user.objectId, {
        kind: 'user',
        id: user.objectId,
        displayName: user.displayName,
        userPrincipalName: user.userPrincipalName,
      });
    }
    for (const principal of Object.values(seed.principals)) {
      this.addServicePrincipal({
        id: principal.objectId,
        appId: principal.clientId,
        displayName: principal.displayName,
        servicePrincipalType: principal.kind === 'managedIdentity' ? 'ManagedIdentity' : 'Application',
        appOwnerOrganizationId: principal.kind === 'managedIdentity' ? null : seed.tenantId,
        servicePrincipalNames: [principal.clientId],
        appRoles: [],
        owners: new Set(),
        createdAt: 0,
      });
    }
    const api = seed.vendingApi;
    const apiApp = this.addApplication({
      id: api.objectId,
      appId: api.appId,
      displayName: api.displayName,
      props: {
        ...applicationDefaults(),
        signInAudience: 'AzureADMyOrg',
        identifierUris: [api.identifierUri],
        appRoles: api.appRoles.map(appRole),
      },
      owners: new Set(),
      createdAt: 0,
    });
    this.addServicePrincipal({
      id: api.servicePrincipalId,
      appId: api.appId,
      displayName: api.displayName,
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: seed.tenantId,
      servicePrincipalNames: [api.appId, api.identifierUri],
      appRoles: apiApp.props.appRoles as unknown[],
      owners: new Set(),
      createdAt: 0,
    });
    for (const app of seed.applications) {
      const owners = new Set(
        app.owners.map((name) => {
          const principal = seed.principals[name];
          if (!principal) throw new Error(`seed application ${app.displayName} names unknown owner ${name}`);
          return principal.objectId;
        }),
      );
      this.addApplication({
        id: app.objectId,
        appId: app.appId,
        displayName: app.displayName,
        props: { ...applicationDefaults(), signInAudience: 'AzureADMyOrg' },
        owners,
        createdAt: 0,
      });
    }
  }

  /** False while a new object is still "replicating" (created less than lagMs ago). */
  isVisible(record: { createdAt: number }): boolean {
    return this.lagMs <= 0 || record.createdAt === 0 || this.now() - record.createdAt >= this.lagMs;
  }

  /** The fields every object starts with. */
  private newObject(input: NewObject, appId: string): ObjectRecord {
    const createdAt = input.createdAt ?? this.now();
    return {
      seq: ++this.seq,
      createdAt,
      id: input.id ?? randomUUID(),
      appId,
      displayName: input.displayName,
      createdDateTime: createdAt === 0 ? SEED_CREATED : new Date(createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      owners: input.owners,
      passwordCredentials: [],
      keyCredentials: [],
    };
  }

  addApplication(input: NewObject & { appId?: string; props: Record<string, unknown> }): ApplicationRecord {
    const record: ApplicationRecord = {
      ...this.newObject(input, input.appId ?? randomUUID()),
      kind: 'application',
      props: input.props,
    };
    this.applications.set(record.id, record);
    return record;
  }

  addServicePrincipal(input: NewServicePrincipal): ServicePrincipalRecord {
    const record: ServicePrincipalRecord = {
      ...this.newObject(input, input.appId),
      kind: 'servicePrincipal',
      servicePrincipalType: input.servicePrincipalType,
      appDisplayName: input.displayName,
      appOwnerOrganizationId: input.appOwnerOrganizationId,
      accountEnabled: true,
      servicePrincipalNames: input.servicePrincipalNames,
      appRoles: input.appRoles,
      alternativeNames: [],
      tags: [],
    };
    this.servicePrincipals.set(record.id, record);
    return record;
  }

  /** Finds an application by object id or appId, lagging ones included (callers decide). */
  findApplication(key: ObjectKey): ApplicationRecord | undefined {
    return findByKey(this.applications, key);
  }

  findServicePrincipal(key: ObjectKey): ServicePrincipalRecord | undefined {
    return findByKey(this.servicePrincipals, key);
  }

  /** Visible applications in creation order. */
  listApplications(): ApplicationRecord[] {
    return this.visibleInOrder(this.applications.values());
  }

  listServicePrincipals(): ServicePrincipalRecord[] {
    return this.visibleInOrder(this.servicePrincipals.values());
  }

  /** Visible objects (apps and service principals) that this object id owns, in creation order. */
  ownedBy(ownerId: string): OwnedObject[] {
    const all: OwnedObject[] = [...this.applications.values(), ...this.servicePrincipals.values()];
    return this.visibleInOrder(all.filter((o) => o.owners.has(ownerId)));
  }

  /** The owners of an object as directory objects (service principals or users); unknown ids are skipped. */
  ownersOf(record: OwnedObject): (ServicePrincipalRecord | UserRecord)[] {
    const out: (ServicePrincipalRecord | UserRecord)[] = [];
    for (const id of record.owners) {
      const owner = this.servicePrincipals.get(id) ?? this.users.get(id);
      if (owner) out.push(owner);
    }
    return out;
  }

  /** Sets an application's name and properties; its service principal mirrors the name and the app roles. */
  updateApplication(app: ApplicationRecord, displayName: string | undefined, props: Record<string, unknown>): void {
    if (displayName !== undefined) app.displayName = displayName;
    Object.assign(app.props, props);
    for (const sp of this.servicePrincipals.values()) {
      if (sp.appId !== app.appId) continue;
      if (displayName !== undefined) sp.appDisplayName = displayName;
      if (props.appRoles) sp.appRoles = props.appRoles as unknown[];
    }
  }

  deleteApplication(app: ApplicationRecord): void {
    this.applications.delete(app.id);
    // Deleting an application deletes its service principal in the home tenant too.
    for (const sp of this.servicePrincipals.values()) if (sp.appId === app.appId) this.servicePrincipals.delete(sp.id);
  }

  deleteServicePrincipal(sp: ServicePrincipalRecord): void {
    this.servicePrincipals.delete(sp.id);
  }

  private visibleInOrder<T extends OwnedObject>(records: Iterable<T>): T[] {
    return [...records].filter((r) => this.isVisible(r)).sort((a, b) => a.seq - b.seq);
  }
}

function findByKey<T extends OwnedObject>(records: Map<string, T>, key: ObjectKey): T | undefined {
  if (key.id !== undefined) return records.get(key.id.toLowerCase());
  const appId = key.appId?.toLowerCase();
  for (const record of records.values()) if (record.appId === appId) return record;
  return undefined;
}
