// The Entra side of entra-app-vending: the vending API's own app registration (its app roles and identifier URI),
// its service principal, and the Graph permission Application.ReadWrite.OwnedBy for the function's identity.
// Run after main.bicep (the postprovision hook does), with outputs of main.bicep as parameters. Needs the Microsoft
// Graph Bicep extension (declared in ./bicepconfig.json, restored from its registry) and a deployer who may create
// applications and grant application permissions: see ../README.md.
extension microsoftGraphV1

@description('Required. uniqueName of the vending API\'s app registration (main.bicep output API_APP_UNIQUE_NAME).')
@minLength(1)
@maxLength(80)
param apiAppUniqueName string

@description('Required. Identifier URI of the API, api://<tenantId>/<uniqueName> (main.bicep output API_AUDIENCE).')
@minLength(7)
param apiAudience string

@description('Required. Object id of the function\'s user-assigned identity (main.bicep output MANAGED_IDENTITY_PRINCIPAL_ID).')
@minLength(36)
@maxLength(36)
param managedIdentityPrincipalId string

@description('Optional. Display name of the API\'s app registration.')
param apiDisplayName string = 'Entra app vending API'

// Well-known ids: Microsoft Graph's appId and its Application.ReadWrite.OwnedBy app role (the same in every tenant).
var graphAppId = '00000003-0000-0000-c000-000000000000'
var applicationReadWriteOwnedById = '18a4783c-866b-4cc7-a460-3d5e5662c884'

resource apiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiAppUniqueName
  displayName: apiDisplayName
  signInAudience: 'AzureADMyOrg'
  identifierUris: [apiAudience]
  api: {
    // v2 tokens: aud is the appId, iss is login.microsoftonline.com/<tenant>/v2.0, as the API will validate.
    requestedAccessTokenVersion: 2
  }
  // Fixed ids: role assignments made to callers stay valid when this template is deployed again.
  appRoles: [
    {
      id: '75aabb5e-9eb8-4c2c-892d-890ed206bc43'
      value: 'App.Create'
      displayName: 'Create app registrations'
      description: 'Create app registrations through the vending API; the caller becomes their requester.'
      allowedMemberTypes: ['Application', 'User']
      isEnabled: true
    }
    {
      id: '1148418c-333a-4c1b-9d72-0605e2db9c08'
      value: 'Secret.Create'
      displayName: 'Issue client secrets'
      description: 'Issue, list and revoke client secrets of vended app registrations.'
      allowedMemberTypes: ['Application', 'User']
      isEnabled: true
    }
    {
      id: '4d4fe9ae-008c-422b-b4a7-8ee2658379c2'
      value: 'Admin'
      displayName: 'Administer the vending API'
      description: 'Every operation of the vending API on every vended app registration.'
      allowedMemberTypes: ['Application', 'User']
      isEnabled: true
    }
  ]
}

resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: apiApp.appId
  // Tokens are issued only to callers holding one of the app roles above.
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

@description('Application (client) id of the vending API\'s app registration.')
output API_APP_ID string = apiApp.appId

@description('Object id of the vending API\'s service principal (the resource callers are granted app roles on).')
output API_SERVICE_PRINCIPAL_ID string = apiServicePrincipal.id

@description('Id of the Application.ReadWrite.OwnedBy assignment to the function\'s identity.')
output GRAPH_GRANT_ID string = ownedByGrant.id
