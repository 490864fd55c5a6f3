import {
  ApplicationRecord,
  KeyCredentialRecord,
  OwnedObject,
  PasswordCredentialRecord,
  ServicePrincipalRecord,
  UserRecord,
} from './graphStore';

/** A Graph entity set as `$select`, `$filter` and `@odata.context` see it. */
export interface EntitySet {
  /** The segment in `@odata.context` (`…/$metadata#applications`). */
  readonly name: string;
  /** The type `$select` errors name (`microsoft.graph.application`). */
  readonly typeName: string;
  /** What `$select` may name: every property of the representation. */
  readonly properties: readonly string[];
  /** What `$filter` may name, and the resource name its errors use; without it `$filter` is ignored. */
  readonly filter?: { readonly properties: readonly string[]; readonly resourceName: string };
}

/** The properties of an application, in the order Graph sends them. */
export const APPLICATION_PROPERTIES = [
  'id',
  'deletedDateTime',
  'appId',
  'applicationTemplateId',
  'disabledByMicrosoftStatus',
  'createdDateTime',
  'displayName',
  'description',
  'groupMembershipClaims',
  'identifierUris',
  'isDeviceOnlyAuthSupported',
  'isFallbackPublicClient',
  'nativeAuthenticationApisEnabled',
  'notes',
  'publisherDomain',
  'serviceManagementReference',
  'signInAudience',
  'tags',
  'tokenEncryptionKeyId',
  'uniqueName',
  'samlMetadataUrl',
  'defaultRedirectUri',
  'certification',
  'optionalClaims',
  'servicePrincipalLockConfiguration',
  'requestSignatureVerification',
  'addIns',
  'api',
  'appRoles',
  'info',
  'keyCredentials',
  'parentalControlSettings',
  'passwordCredentials',
  'publicClient',
  'requiredResourceAccess',
  'verifiedPublisher',
  'web',
  'spa',
] as const;

/** The properties of a service principal, in the order Graph sends them. */
export const SERVICE_PRINCIPAL_PROPERTIES = [
  'id',
  'deletedDateTime',
  'accountEnabled',
  'alternativeNames',
  'appDisplayName',
  'appDescription',
  'appId',
  'applicationTemplateId',
  'appOwnerOrganizationId',
  'appRoleAssignmentRequired',
  'createdDateTime',
  'description',
  'disabledByMicrosoftStatus',
  'displayName',
  'homepage',
  'loginUrl',
  'logoutUrl',
  'notes',
  'notificationEmailAddresses',
  'preferredSingleSignOnMode',
  'preferredTokenSigningKeyThumbprint',
  'replyUrls',
  'servicePrincipalNames',
  'servicePrincipalType',
  'signInAudience',
  'tags',
  'tokenEncryptionKeyId',
  'info',
  'samlSingleSignOnSettings',
  'verifiedPublisher',
  'addIns',
  'appRoles',
  'keyCredentials',
  'oauth2PermissionScopes',
  'passwordCredentials',
  'resourceSpecificApplicationPermissions',
] as const;

/** The properties of a user (only as an owner here). */
export const USER_PROPERTIES = [
  'id',
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;

type ApplicationProperty = (typeof APPLICATION_PROPERTIES)[number];
type ServicePrincipalProperty = (typeof SERVICE_PRINCIPAL_PROPERTIES)[number];
type UserProperty = (typeof USER_PROPERTIES)[number];

export const APPLICATIONS: EntitySet = {
  name: 'applications',
  typeName: 'microsoft.graph.application',
  properties: APPLICATION_PROPERTIES,
  filter: { properties: ['appId', 'displayName', 'id', 'tags'], resourceName: 'Application' },
};

export const SERVICE_PRINCIPALS: EntitySet = {
  name: 'servicePrincipals',
  typeName: 'microsoft.graph.servicePrincipal',
  properties: SERVICE_PRINCIPAL_PROPERTIES,
  filter: { properties: ['appId', 'displayName', 'id', 'servicePrincipalType'], resourceName: 'ServicePrincipal' },
};

/** A directoryObject collection (owners, ownedObjects): `$select` may name a property of any member type. */
export const DIRECTORY_OBJECTS: EntitySet = {
  name: 'directoryObjects',
  typeName: 'microsoft.graph.directoryObject',
  properties: [...new Set([...APPLICATION_PROPERTIES, ...SERVICE_PRINCIPAL_PROPERTIES, ...USER_PROPERTIES])],
};

const NO_INFO = {
  logoUrl: null,
  marketingUrl: null,
  privacyStatementUrl: null,
  supportUrl: null,
  termsOfServiceUrl: null,
};
const NO_VERIFIED_PUBLISHER = { displayName: null, verifiedPublisherId: null, addedDateTime: null };

/** A password credential as Graph shows it: `secretText` only in the answer that created it. */
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

/** A key credential as Graph shows it: `key` (the public certificate) only when asked for with `$select`. */
export function keyCredentialJson(cred: KeyCredentialRecord, withKey: boolean): Record<string, unknown> {
  return {
    customKeyIdentifier: cred.customKeyIdentifier,
    displayName: cred.displayName,
    endDateTime: cred.endDateTime,
    key: withKey ? cred.key : null,
    keyId: cred.keyId,
    startDateTime: cred.startDateTime,
    type: cred.type,
    usage: cred.usage,
  };
}

/**
 * The full application resource; `publisherDomain` is the tenant's domain. Key credentials carry their `key` only
 * when `withKeys` (a single application read with `$select=keyCredentials`).
 */
export function applicationJson(
  app: ApplicationRecord,
  publisherDomain: string,
  withKeys = false,
): Record<ApplicationProperty, unknown> {
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
    publisherDomain,
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
    keyCredentials: app.keyCredentials.map((c) => keyCredentialJson(c, withKeys)),
    parentalControlSettings: p.parentalControlSettings,
    passwordCredentials: app.passwordCredentials.map((c) => passwordCredentialJson(c)),
    publicClient: p.publicClient,
    requiredResourceAccess: p.requiredResourceAccess,
    verifiedPublisher: NO_VERIFIED_PUBLISHER,
    web: p.web,
    spa: p.spa,
  };
}

/** The full servicePrincipal resource. */
export function servicePrincipalJson(sp: ServicePrincipalRecord): Record<ServicePrincipalProperty, unknown> {
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
    info: NO_INFO,
    samlSingleSignOnSettings: null,
    verifiedPublisher: NO_VERIFIED_PUBLISHER,
    addIns: [],
    appRoles: sp.appRoles,
    keyCredentials: [],
    oauth2PermissionScopes: [],
    passwordCredentials: sp.passwordCredentials.map((c) => passwordCredentialJson(c)),
    resourceSpecificApplicationPermissions: [],
  };
}

export function userJson(user: UserRecord): Record<UserProperty, unknown> {
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
  record: OwnedObject | UserRecord,
  publisherDomain: string,
): Record<string, unknown> {
  switch (record.kind) {
    case 'application':
      return { '@odata.type': '#microsoft.graph.application', ...applicationJson(record, publisherDomain) };
    case 'servicePrincipal':
      return { '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalJson(record) };
    case 'user':
      return { '@odata.type': '#microsoft.graph.user', ...userJson(record) };
  }
}
