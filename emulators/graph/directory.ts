import { createHash, randomUUID } from 'node:crypto';
import { Seed } from '../seed';
import { PasswordPolicy } from './passwords';

/** A stored password credential. The secret value itself is never stored. */
export interface PasswordCredentialRecord {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
}

interface DirectoryObjectRecord {
  /** Creation order; paging tokens point into it. */
  seq: number;
  /** ms since epoch when created here; 0 for the seed (never lagging). */
  createdAt: number;
  id: string;
  appId: string;
  displayName: string;
  createdDateTime: string;
  /** Object ids of owners (service principals or users). */
  owners: Set<string>;
  passwordCredentials: PasswordCredentialRecord[];
}

export interface ApplicationRecord extends DirectoryObjectRecord {
  kind: 'application';
  /** The writable properties other than displayName, as last set. */
  props: Record<string, unknown>;
}

export interface ServicePrincipalRecord extends DirectoryObjectRecord {
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

export type DirectoryObject = ApplicationRecord | ServicePrincipalRecord;

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
    keyCredentials: [],
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

/** Properties Graph computes; a request body that sets them is refused. */
export const READ_ONLY_APPLICATION_PROPERTIES = [
  'id',
  'appId',
  'createdDateTime',
  'deletedDateTime',
  'publisherDomain',
  'applicationTemplateId',
  'disabledByMicrosoftStatus',
  'certification',
  'verifiedPublisher',
  'defaultRedirectUri',
];

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

/** In-memory directory: applications, service principals, owners and password credentials. */
export class Directory {
  readonly applications = new Map<string, ApplicationRecord>();
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  readonly users = new Map<string, UserRecord>();
  /** How long new objects stay invisible to follow-up calls (replication lag). */
  lagMs = 0;
  policy: PasswordPolicy | undefined;
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

  /** Forgets everything but the seed; lag and policy are cleared too. */
  reset(): void {
    this.applications.clear();
    this.servicePrincipals.clear();
    this.users.clear();
    this.lagMs = 0;
    this.policy = undefined;
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
    return this.lagMs <= 0 || record.createdAt === 0 || Date.now() - record.createdAt >= this.lagMs;
  }

  addApplication(input: {
    id?: string;
    appId?: string;
    displayName: string;
    props: Record<string, unknown>;
    owners: Set<string>;
    createdAt?: number;
  }): ApplicationRecord {
    const createdAt = input.createdAt ?? Date.now();
    const record: ApplicationRecord = {
      kind: 'application',
      seq: ++this.seq,
      createdAt,
      id: input.id ?? randomUUID(),
      appId: input.appId ?? randomUUID(),
      displayName: input.displayName,
      createdDateTime: createdAt === 0 ? SEED_CREATED : new Date(createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      owners: input.owners,
      passwordCredentials: [],
      props: input.props,
    };
    this.applications.set(record.id, record);
    return record;
  }

  addServicePrincipal(input: {
    id?: string;
    appId: string;
    displayName: string;
    servicePrincipalType: 'Application' | 'ManagedIdentity';
    appOwnerOrganizationId: string | null;
    servicePrincipalNames: string[];
    appRoles: unknown[];
    owners: Set<string>;
    createdAt?: number;
  }): ServicePrincipalRecord {
    const createdAt = input.createdAt ?? Date.now();
    const record: ServicePrincipalRecord = {
      kind: 'servicePrincipal',
      seq: ++this.seq,
      createdAt,
      id: input.id ?? randomUUID(),
      appId: input.appId,
      displayName: input.displayName,
      createdDateTime: createdAt === 0 ? SEED_CREATED : new Date(createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      owners: input.owners,
      passwordCredentials: [],
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
  findApplication(key: { id?: string; appId?: string }): ApplicationRecord | undefined {
    if (key.id !== undefined) return this.applications.get(key.id.toLowerCase());
    const appId = key.appId?.toLowerCase();
    for (const app of this.applications.values()) if (app.appId === appId) return app;
    return undefined;
  }

  findServicePrincipal(key: { id?: string; appId?: string }): ServicePrincipalRecord | undefined {
    if (key.id !== undefined) return this.servicePrincipals.get(key.id.toLowerCase());
    const appId = key.appId?.toLowerCase();
    for (const sp of this.servicePrincipals.values()) if (sp.appId === appId) return sp;
    return undefined;
  }

  /** Visible applications in creation order. */
  listApplications(): ApplicationRecord[] {
    return [...this.applications.values()].filter((a) => this.isVisible(a)).sort((a, b) => a.seq - b.seq);
  }

  listServicePrincipals(): ServicePrincipalRecord[] {
    return [...this.servicePrincipals.values()].filter((s) => this.isVisible(s)).sort((a, b) => a.seq - b.seq);
  }

  /** Visible objects (apps and service principals) that this object id owns, in creation order. */
  ownedBy(ownerId: string): DirectoryObject[] {
    const all: DirectoryObject[] = [...this.applications.values(), ...this.servicePrincipals.values()];
    return all.filter((o) => o.owners.has(ownerId) && this.isVisible(o)).sort((a, b) => a.seq - b.seq);
  }

  /** The owners of an object as directory objects (service principals or users); unknown ids are skipped. */
  ownersOf(record: DirectoryObject): (ServicePrincipalRecord | UserRecord)[] {
    const out: (ServicePrincipalRecord | UserRecord)[] = [];
    for (const id of record.owners) {
      const owner = this.servicePrincipals.get(id) ?? this.users.get(id);
      if (owner) out.push(owner);
    }
    return out;
  }

  deleteApplication(app: ApplicationRecord): void {
    this.applications.delete(app.id);
    // Deleting an application deletes its service principal in the home tenant too.
    for (const sp of this.servicePrincipals.values()) if (sp.appId === app.appId) this.servicePrincipals.delete(sp.id);
  }

  deleteServicePrincipal(sp: ServicePrincipalRecord): void {
    this.servicePrincipals.delete(sp.id);
  }
}

/** A stored password credential as Graph shows it on reads: never a secret. */
export function passwordCredentialJson(
  cred: PasswordCredentialRecord,
  secretText: string | null = null,
): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName: cred.displayName,
    endDateTime: cred.endDateTime,
    hint: cred.hint,
    keyId: cred.keyId,
    secretText,
    startDateTime: cred.startDateTime,
  };
}

/** The full application resource. */
export function applicationJson(app: ApplicationRecord, directory: Directory): Record<string, unknown> {
  const p = app.props;
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    applicationTemplateId: null,
    disabledByMicrosoftStatus: null,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    description: p.description,
    groupMembershipClaims: p.groupMembershipClaims,
    identifierUris: p.identifierUris,
    isDeviceOnlyAuthSupported: p.isDeviceOnlyAuthSupported,
    isFallbackPublicClient: p.isFallbackPublicClient,
    nativeAuthenticationApisEnabled: null,
    notes: p.notes,
    publisherDomain: directory.tenantDomain,
    serviceManagementReference: p.serviceManagementReference,
    signInAudience: p.signInAudience,
    tags: p.tags,
    tokenEncryptionKeyId: p.tokenEncryptionKeyId,
    uniqueName: null,
    samlMetadataUrl: null,
    defaultRedirectUri: null,
    certification: null,
    optionalClaims: p.optionalClaims,
    servicePrincipalLockConfiguration: null,
    requestSignatureVerification: null,
    addIns: p.addIns,
    api: p.api,
    appRoles: p.appRoles,
    info: p.info,
    keyCredentials: p.keyCredentials,
    parentalControlSettings: p.parentalControlSettings,
    passwordCredentials: app.passwordCredentials.map((c) => passwordCredentialJson(c)),
    publicClient: p.publicClient,
    requiredResourceAccess: p.requiredResourceAccess,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: p.web,
    spa: p.spa,
  };
}

/** The full servicePrincipal resource. */
export function servicePrincipalJson(sp: ServicePrincipalRecord): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    alternativeNames: sp.alternativeNames,
    appDisplayName: sp.appDisplayName,
    appDescription: null,
    appId: sp.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: false,
    createdDateTime: sp.createdDateTime,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: sp.displayName,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: [],
    servicePrincipalNames: sp.servicePrincipalNames,
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: sp.servicePrincipalType === 'ManagedIdentity' ? null : 'AzureADMyOrg',
    tags: sp.tags,
    tokenEncryptionKeyId: null,
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    samlSingleSignOnSettings: null,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    addIns: [],
    appRoles: sp.appRoles,
    keyCredentials: [],
    oauth2PermissionScopes: [],
    passwordCredentials: sp.passwordCredentials.map((c) => passwordCredentialJson(c)),
    resourceSpecificApplicationPermissions: [],
  };
}

export function userJson(user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: null,
    jobTitle: null,
    mail: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: user.userPrincipalName,
  };
}

/** A member of a directoryObject collection: the resource with its `@odata.type`. */
export function directoryObjectJson(
  record: DirectoryObject | UserRecord,
  directory: Directory,
): Record<string, unknown> {
  switch (record.kind) {
    case 'application':
      return { '@odata.type': '#microsoft.graph.application', ...applicationJson(record, directory) };
    case 'servicePrincipal':
      return { '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalJson(record) };
    case 'user':
      return { '@odata.type': '#microsoft.graph.user', ...userJson(record) };
  }
}
