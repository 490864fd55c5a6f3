// The whole Azure side of entra-app-vending, deployed by `azd provision` / `azd up`. The Entra side (the API's own
// app registration and the identity's Graph permission) is graph/graph.bicep, run by the postprovision hook.
targetScope = 'subscription'

@description('Required. Name of the azd environment; names the resource group and seeds every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Required. Azure region of every resource; must offer Flex Consumption.')
@minLength(1)
param location string

@description('Optional. Name of the resource group. Defaults to rg-<environmentName>.')
param resourceGroupName string = ''

@description('Optional. Graph endpoint (GRAPH_BASE_URL). Defaults to the deployment cloud\'s.')
param graphBaseUrl string = ''

@description('Optional. Longest lifetime an issued secret may have, in days (SECRET_MAX_LIFETIME_DAYS).')
@minValue(1)
@maxValue(730)
param secretMaxLifetimeDays int = 180

@description('Optional. Lifetime when the caller asks none, in days; at most secretMaxLifetimeDays (SECRET_DEFAULT_LIFETIME_DAYS).')
@minValue(1)
@maxValue(730)
param secretDefaultLifetimeDays int = 90

@description('Optional. A credential ending within this many days is reported as expiring (SECRET_EXPIRING_WITHIN_DAYS).')
@minValue(1)
@maxValue(365)
param secretExpiringWithinDays int = 30

@description('Optional. NCRONTAB (six fields) of the expiry scan timer, in UTC (EXPIRY_SCAN_SCHEDULE).')
@minLength(11)
param expiryScanSchedule string = '0 0 6 * * *'

@description('Optional. uniqueName of the vending API\'s own app registration (graph/graph.bicep). Defaults to entra-app-vending-<token>.')
@maxLength(80)
param apiAppUniqueName string = ''

@description('Optional. Client id of the vending API\'s app registration, set by the Graph step (API_APP_ID). When set, App Service authentication requires a token for the API on every route but /api/health.')
@maxLength(36)
param apiAppClientId string = ''

// Same inputs give the same names, so re-provisioning an environment updates it in place.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var graphRoot = endsWith(environment().graph, '/')
  ? take(environment().graph, length(environment().graph) - 1)
  : environment().graph
var effectiveGraphBaseUrl = empty(graphBaseUrl) ? graphRoot : graphBaseUrl
var effectiveApiAppUniqueName = empty(apiAppUniqueName) ? 'entra-app-vending-${resourceToken}' : apiAppUniqueName
// api://<tenantId>/<string> is one of the identifier URI forms Entra accepts without a verified domain, and it is
// known before the app registration exists, so the function app can be configured with it in the same deployment.
var apiAudience = 'api://${tenant().tenantId}/${effectiveApiAppUniqueName}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    credentialEventsQueueName: 'credential-events'
    ledgerTableName: 'ledger'
  }
}

module keyVault 'app/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    credentialEventsQueueName: storage.outputs.credentialEventsQueueName
    ledgerTableName: storage.outputs.ledgerTableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUrl: keyVault.outputs.uri
    graphBaseUrl: effectiveGraphBaseUrl
    graphTokenScope: '${effectiveGraphBaseUrl}/.default'
    secretMaxLifetimeDays: secretMaxLifetimeDays
    secretDefaultLifetimeDays: min(secretDefaultLifetimeDays, secretMaxLifetimeDays)
    secretExpiringWithinDays: secretExpiringWithinDays
    expiryScanSchedule: expiryScanSchedule
    apiAudience: apiAudience
    apiTenantId: tenant().tenantId
    apiAppClientId: apiAppClientId
  }
  // The host starts as soon as the app exists; its identity must already hold the storage and vault roles.
  dependsOn: [rbac]
}

@description('Tenant of the deployment; the API accepts tokens from it.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Resource group holding every resource.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the function app (azd deploys `api` to it).')
output AZURE_FUNCTION_APP_NAME string = api.outputs.name

@description('Base URL of the API, e.g. https://func-x.azurewebsites.net; routes are under /api.')
output SERVICE_API_URI string = api.outputs.uri

@description('Data-plane URL of the Key Vault that receives issued secrets.')
output KEY_VAULT_URL string = keyVault.outputs.uri

@description('Client id of the function app\'s user-assigned identity (its AZURE_CLIENT_ID setting).')
output AZURE_CLIENT_ID string = identity.outputs.clientId

@description('Object id of that identity\'s service principal: graph/graph.bicep grants Application.ReadWrite.OwnedBy to it.')
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId

@description('uniqueName of the vending API\'s app registration, created by graph/graph.bicep.')
output API_APP_UNIQUE_NAME string = effectiveApiAppUniqueName

@description('Identifier URI of the vending API: the audience of callers\' tokens.')
output API_AUDIENCE string = apiAudience
