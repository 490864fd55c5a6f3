// The whole of entra-app-vending in one deployment, run by `azd provision` / `azd up`: the Azure resources, and (module
// graph/graph.bicep, Microsoft Graph Bicep extension) the API's app registration and the identity's Graph permission,
// so the function app is configured with the app's client id and App Service authentication is on from the first run.
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

@description('Optional. Longest lifetime a certificate credential may have, in days (CERTIFICATE_MAX_LIFETIME_DAYS).')
@minValue(1)
@maxValue(3650)
param certificateMaxLifetimeDays int = 365

@description('Optional. Certificate lifetime when the caller asks none, in days; at most certificateMaxLifetimeDays (CERTIFICATE_DEFAULT_LIFETIME_DAYS).')
@minValue(1)
@maxValue(3650)
param certificateDefaultLifetimeDays int = 180

@description('Optional. Whether callers may ask for an exportable certificate key, readable as a secret (CERTIFICATE_ALLOW_EXPORTABLE). Off: keys never leave the vault.')
param certificateAllowExportable bool = false

@description('Optional. A credential ending within this many days is reported as expiring (SECRET_EXPIRING_WITHIN_DAYS).')
@minValue(1)
@maxValue(365)
param secretExpiringWithinDays int = 30

@description('Optional. NCRONTAB (six fields) of the expiry scan timer, in UTC (EXPIRY_SCAN_SCHEDULE).')
@minLength(11)
param expiryScanSchedule string = '0 0 6 * * *'

@description('Optional. Hours an Idempotency-Key is remembered: a retry within it replays the first answer (IDEMPOTENCY_RETENTION_HOURS).')
@minValue(1)
@maxValue(720)
param idempotencyRetentionHours int = 24

@description('Optional. NCRONTAB (six fields) of the timer that purges idempotency records past retention, in UTC (IDEMPOTENCY_PURGE_SCHEDULE).')
@minLength(11)
param idempotencyPurgeSchedule string = '0 15 * * * *'

@description('Optional. What the expiry scan may do besides report: all, none, or a comma-separated list of events, rotate, removeExpired, removeOrphaned, disableStale, recoverInterrupted (SCAN_ACTIONS).')
@minLength(3)
param scanActions string = 'all'

@description('Optional. Days after which the expiry scan removes expired and orphaned credentials and disables stale vault versions (SCAN_GRACE_DAYS).')
@minValue(0)
@maxValue(365)
param scanGraceDays int = 7

@description('Optional. Days a rotated credential overlaps its successor before the scan removes it; more than App Service\'s 24-hour Key Vault reference refresh (SCAN_ROTATION_OVERLAP_DAYS).')
@minValue(2)
@maxValue(90)
param scanRotationOverlapDays int = 3

@description('Optional. Most Graph and Key Vault writes the expiry scan has in flight (SCAN_WRITE_CONCURRENCY).')
@minValue(1)
@maxValue(32)
param scanWriteConcurrency int = 4

@description('Optional. Milliseconds a request may work before it rolls back and answers 503 with Retry-After (REQUEST_DEADLINE_MS).')
@minValue(100)
@maxValue(100000)
param requestDeadlineMs int = 60000

@description('Optional. Milliseconds a rollback may keep going past the deadline (COMPENSATION_BUDGET_MS); with the deadline at most 110000, below the 2-minute functionTimeout and Logic Apps\' 120 s.')
@minValue(100)
@maxValue(100000)
param compensationBudgetMs int = 45000

@description('Optional. uniqueName of the vending API\'s app registration (graph/graph.bicep). Defaults to entra-app-vending-<token>.')
@maxLength(80)
param apiAppUniqueName string = ''

@description('Optional. Deploy graph/graph.bicep in this deployment: the API\'s app registration, its service principal and Application.ReadWrite.OwnedBy for the identity. Needs Entra rights (see README). false: an administrator deploys graph/graph.bicep and you pass its API_APP_ID as apiAppClientId; until then API_AUDIENCE is empty and the API refuses to serve.')
param deployEntraResources bool = true

@description('Optional. Only when deployEntraResources is false: client id of the API\'s app registration made by an administrator with graph/graph.bicep (its output API_APP_ID).')
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
// api://<tenantId>/<string> is an identifier URI form Entra accepts without a verified domain, and it is known before
// the app registration exists.
var apiIdentifierUri = 'api://${tenant().tenantId}/${effectiveApiAppUniqueName}'
// Empty only when the Entra part is left to an administrator and not done yet: the API then refuses to serve.
var apiAppId = deployEntraResources ? graph!.outputs.API_APP_ID : apiAppClientId

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
    scanTableName: 'scans'
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

// In the same deployment as the app it protects: its client id flows into App Service authentication and API_AUDIENCE.
module graph 'graph/graph.bicep' = if (deployEntraResources) {
  name: 'graph'
  scope: rg
  params: {
    apiAppUniqueName: effectiveApiAppUniqueName
    apiIdentifierUri: apiIdentifierUri
    managedIdentityPrincipalId: identity.outputs.principalId
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
    scanTableName: storage.outputs.scanTableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUrl: keyVault.outputs.uri
    graphBaseUrl: effectiveGraphBaseUrl
    graphTokenScope: '${effectiveGraphBaseUrl}/.default'
    secretMaxLifetimeDays: secretMaxLifetimeDays
    secretDefaultLifetimeDays: min(secretDefaultLifetimeDays, secretMaxLifetimeDays)
    secretExpiringWithinDays: secretExpiringWithinDays
    certificateMaxLifetimeDays: certificateMaxLifetimeDays
    certificateDefaultLifetimeDays: min(certificateDefaultLifetimeDays, certificateMaxLifetimeDays)
    certificateAllowExportable: certificateAllowExportable
    expiryScanSchedule: expiryScanSchedule
    idempotencyRetentionHours: idempotencyRetentionHours
    idempotencyPurgeSchedule: idempotencyPurgeSchedule
    scanActions: scanActions
    scanGraceDays: scanGraceDays
    scanRotationOverlapDays: scanRotationOverlapDays
    scanWriteConcurrency: scanWriteConcurrency
    requestDeadlineMs: requestDeadlineMs
    // Deadline and rollback together stay under the host's and Logic Apps' timeouts (the code refuses more).
    compensationBudgetMs: min(compensationBudgetMs, 110000 - requestDeadlineMs)
    apiAppClientId: apiAppId
    apiIdentifierUri: apiIdentifierUri
    apiTenantId: tenant().tenantId
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

@description('Object id of that identity\'s service principal: graph/graph.bicep grants it Application.ReadWrite.OwnedBy.')
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId

@description('uniqueName of the vending API\'s app registration.')
output API_APP_UNIQUE_NAME string = effectiveApiAppUniqueName

@description('Client id of the vending API\'s app registration: the aud of its tokens (API_AUDIENCE). Empty until its Entra part is done.')
output API_APP_ID string = apiAppId

@description('Identifier URI of the vending API: callers ask for <uri>/.default (apps) or <uri>/access_as_user (users).')
output API_IDENTIFIER_URI string = apiIdentifierUri

@description('Object id of the vending API\'s service principal, on which callers are assigned app roles; empty when an administrator made it.')
output API_SERVICE_PRINCIPAL_ID string = deployEntraResources ? graph!.outputs.API_SERVICE_PRINCIPAL_ID : ''
