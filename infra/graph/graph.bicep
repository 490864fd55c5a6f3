// The Entra side of entra-app-vending: the vending API's own app registration (app roles, delegated scope, identifier
// URI), its service principal, and the Graph permission Application.ReadWrite.OwnedBy for the function's identity.
// main.bicep deploys it as a module in the same deployment (so App Service authentication and API_AUDIENCE get the
// app's client id in one `azd up`); an administrator can also deploy it alone into any resource group they may deploy
// to (Graph objects are tenant-wide): see ../README.md. Needs the Microsoft Graph Bicep extension (../bicepconfig.json)
// and a deployer who may create applications and grant application permissions.
extension microsoftGraphV1

@description('Required. uniqueName of the vending API\'s app registration: re-deploying updates the same application.')
@minLength(1)
@maxLength(80)
param apiAppUniqueName string

@description('Required. Identifier URI (App ID URI) of the API, api://<tenantId>/<string>: the base of its scopes.')
@minLength(7)
param apiIdentifierUri string

@description('Required. Object id of the function\'s user-assigned identity (main.bicep output MANAGED_IDENTITY_PRINCIPAL_ID).')
@minLength(36)
@maxLength(36)
param managedIdentityPrincipalId string

@description('Optional. Display name of the API\'s app registration.')
@minLength(1)
@maxLength(256)
param apiDisplayName string = 'Entra app vending API'

// Well-known ids: Microsoft Graph's appId and its Application.ReadWrite.OwnedBy app role (the same in every tenant).
var graphAppId = '00000003-0000-0000-c000-000000000000'
var applicationReadWriteOwnedById = '18a4783c-866b-4cc7-a460-3d5e5662c884'

resource apiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiAppUniqueName
  displayName: apiDisplayName
  signInAudience: 'AzureADMyOrg'
  identifierUris: [apiIdentifierUri]
  // Access tokens carry the caller's security groups, so an app owned through a group can be managed by its members.
  groupMembershipClaims: 'SecurityGroup'
  api: {
    // v2 tokens: aud is the appId (API_AUDIENCE), iss is login.microsoftonline.com/<tenant>/v2.0.
    requestedAccessTokenVersion: 2
    // The delegated scope a portal asks for when it calls the API for a signed-in user; the user's app roles arrive
    // in the token's roles claim. Fixed id, so consents survive a re-deployment.
    oauth2PermissionScopes: [
      {
        id: 'd221a051-9b02-4805-be8a-ca08b1cc81ac'
        value: 'access_as_user'
        type: 'User'
        adminConsentDisplayName: 'Use the vending API as the signed-in user'
        adminConsentDescription: 'Lets the app call the vending API for the signed-in user, within the user\'s app roles.'
        userConsentDisplayName: 'Use the vending API as you'
        userConsentDescription: 'Lets the app call the vending API for you, within the roles you hold.'
        isEnabled: true
      }
    ]
  }
  // Fixed ids: role assignments made to callers stay valid when this template is deployed again.
  appRoles: [
    {
      id: '75aabb5e-9eb8-4c2c-892d-890ed206bc43'
      value: 'App.Create'
      displayName: 'Create app registrations'
      description: 'Create app registrations through the vending API; the caller becomes their owner.'
      allowedMemberTypes: ['Application', 'User']
      isEnabled: true
    }
    {
      id: '1148418c-333a-4c1b-9d72-0605e2db9c08'
      value: 'Secret.Create'
      displayName: 'Issue client secrets'
      description: 'Add, list and revoke credentials of the app registrations the caller owns.'
      allowedMemberTypes: ['Application', 'User']
      isEnabled: true
    }
    {
      id: '4d4fe9ae-008c-422b-b4a7-8ee2658379c2'
      value: 'Admin'
      displayName: 'Administer the vending API'
      description: 'Every operation of the vending API on every app registration it owns.'
      allowedMemberTypes: ['Application', 'User']
      isEnabled: true
    }
  ]
}

resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: apiApp.appId
  // Entra issues tokens for the API only to callers assigned one of its app roles (directly or through a group).
  appRoleAssignmentRequired: true
}

resource graphServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

// Least privilege for vending: create applications, and manage only those the identity owns (it owns what it creates).
resource ownedByGrant 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  principalId: managedIdentityPrincipalId
  resourceId: graphServicePrincipal.id
  appRoleId: applicationReadWriteOwnedById
}

@description('Application (client) id of the vending API\'s app registration: the aud of its v2 access tokens.')
output API_APP_ID string = apiApp.appId

@description('Object id of the vending API\'s service principal (the resource callers are assigned app roles on).')
output API_SERVICE_PRINCIPAL_ID string = apiServicePrincipal.id

@description('Id of the Application.ReadWrite.OwnedBy assignment to the function\'s identity.')
output GRAPH_GRANT_ID string = ownedByGrant.id
