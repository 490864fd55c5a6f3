// Flex Consumption plan + the function app, running as the user-assigned identity, every setting identity-based.
@description('Required. Name of the function app (globally unique: it becomes <name>.azurewebsites.net).')
@minLength(2)
@maxLength(60)
param name string

@description('Required. Name of the Flex Consumption plan.')
@minLength(1)
@maxLength(60)
param planName string

@description('Optional. Azure region. Defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Optional. Tags applied to the plan and the app (the app also gets azd-service-name).')
param tags object = {}

@description('Required. Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client id of the user-assigned identity.')
@minLength(36)
@maxLength(36)
param identityClientId string

@description('Required. Name of the storage account for host storage and the deployment package.')
param storageAccountName string

@description('Required. Blob container the deployment package is uploaded to.')
param deploymentContainerName string

@description('Required. Queue that carries credential events.')
param credentialEventsQueueName string

@description('Required. Table that records vended applications and secrets.')
param ledgerTableName string

@description('Required. Table of the expiry scan\'s lock, rotation claims and reports (SCAN_TABLE).')
param scanTableName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Required. Data-plane URL of the Key Vault that receives issued secrets.')
param keyVaultUrl string

@description('Required. Graph endpoint (GRAPH_BASE_URL), without trailing slash.')
param graphBaseUrl string

@description('Required. Scope the identity asks for Graph tokens (GRAPH_TOKEN_SCOPE).')
param graphTokenScope string

@description('Required. Longest lifetime of an issued secret, in days (SECRET_MAX_LIFETIME_DAYS).')
@minValue(1)
@maxValue(730)
param secretMaxLifetimeDays int

@description('Required. Lifetime of a secret when the caller asks none, in days (SECRET_DEFAULT_LIFETIME_DAYS).')
@minValue(1)
@maxValue(730)
param secretDefaultLifetimeDays int

@description('Required. Longest lifetime of a certificate credential, in days (CERTIFICATE_MAX_LIFETIME_DAYS).')
@minValue(1)
@maxValue(3650)
param certificateMaxLifetimeDays int

@description('Required. Lifetime of a certificate credential when the caller asks none, in days (CERTIFICATE_DEFAULT_LIFETIME_DAYS).')
@minValue(1)
@maxValue(3650)
param certificateDefaultLifetimeDays int

@description('Required. Whether callers may ask for an exportable certificate key (CERTIFICATE_ALLOW_EXPORTABLE).')
param certificateAllowExportable bool

@description('Required. A credential ending within this many days is reported as expiring (SECRET_EXPIRING_WITHIN_DAYS).')
@minValue(1)
@maxValue(365)
param secretExpiringWithinDays int

@description('Required. NCRONTAB (six fields) of the expiry scan timer (EXPIRY_SCAN_SCHEDULE).')
@minLength(11)
param expiryScanSchedule string

@description('Required. Hours an Idempotency-Key is remembered (IDEMPOTENCY_RETENTION_HOURS).')
@minValue(1)
@maxValue(720)
param idempotencyRetentionHours int

@description('Required. NCRONTAB (six fields) of the idempotency purge timer (IDEMPOTENCY_PURGE_SCHEDULE); the host resolves %IDEMPOTENCY_PURGE_SCHEDULE% from it, so it must be set.')
@minLength(11)
param idempotencyPurgeSchedule string

@description('Required. What the expiry scan may do besides report: all, none, or a comma-separated list of events, rotate, removeExpired, removeOrphaned, disableStale, recoverInterrupted (SCAN_ACTIONS).')
@minLength(3)
param scanActions string

@description('Required. Days after which expired and orphaned credentials are removed and stale vault versions disabled (SCAN_GRACE_DAYS).')
@minValue(0)
@maxValue(365)
param scanGraceDays int

@description('Required. Days a rotated credential overlaps its successor before it is removed; more than App Service\'s 24-hour Key Vault reference refresh (SCAN_ROTATION_OVERLAP_DAYS).')
@minValue(2)
@maxValue(90)
param scanRotationOverlapDays int

@description('Required. Most Graph and Key Vault writes the expiry scan has in flight (SCAN_WRITE_CONCURRENCY).')
@minValue(1)
@maxValue(32)
param scanWriteConcurrency int

@description('Required. Milliseconds a request may work before it rolls back and answers 503 (REQUEST_DEADLINE_MS).')
@minValue(100)
@maxValue(100000)
param requestDeadlineMs int

@description('Required. Milliseconds a rollback may keep going past the deadline (COMPENSATION_BUDGET_MS).')
@minValue(100)
@maxValue(100000)
param compensationBudgetMs int

@description('Required. Client id of the vending API\'s app registration: the aud of its v2 tokens (API_AUDIENCE). Empty means not created yet: the API and the platform then refuse every caller.')
@maxLength(36)
param apiAppClientId string

@description('Required. Identifier URI of the vending API (api://<tenantId>/<string>); also accepted as audience by the platform.')
@minLength(7)
param apiIdentifierUri string

@description('Required. Tenant whose tokens the API accepts (API_TENANT_ID).')
@minLength(36)
@maxLength(36)
param apiTenantId string

@description('Optional. Memory of each instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Optional. Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux: Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  // azd finds the app to deploy `services.api` to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityResourceId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in settings resolve with the UAMI (the default would be a system identity it lacks).
    keyVaultReferenceIdentity: identityResourceId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex forbids FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and the content
      // share settings: runtime and package location live in functionAppConfig below.
      appSettings: [
        // Host storage by identity: account name + credential + which identity; no connection string, no key.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // The connection string only locates the component; with local auth disabled ingestion needs the Entra token below.
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        // Read by src/config.ts (appSettingsSchema).
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'KEY_VAULT_URL', value: keyVaultUrl }
        { name: 'GRAPH_BASE_URL', value: graphBaseUrl }
        { name: 'GRAPH_TOKEN_SCOPE', value: graphTokenScope }
        { name: 'SECRET_MAX_LIFETIME_DAYS', value: string(secretMaxLifetimeDays) }
        { name: 'SECRET_DEFAULT_LIFETIME_DAYS', value: string(secretDefaultLifetimeDays) }
        { name: 'SECRET_EXPIRING_WITHIN_DAYS', value: string(secretExpiringWithinDays) }
        { name: 'CERTIFICATE_MAX_LIFETIME_DAYS', value: string(certificateMaxLifetimeDays) }
        { name: 'CERTIFICATE_DEFAULT_LIFETIME_DAYS', value: string(certificateDefaultLifetimeDays) }
        // Off by default: a certificate's key is created non-exportable and signing goes through Key Vault.
        { name: 'CERTIFICATE_ALLOW_EXPORTABLE', value: certificateAllowExportable ? 'true' : 'false' }
        { name: 'EXPIRY_SCAN_SCHEDULE', value: expiryScanSchedule }
        { name: 'API_IDENTIFIER_URI', value: apiIdentifierUri }
        // The cloud's sign-in host (public, US Gov, China…): the code reads OpenID discovery and signing keys from it.
        { name: 'ENTRA_AUTHORITY_HOST', value: environment().authentication.loginEndpoint }
        { name: 'IDEMPOTENCY_RETENTION_HOURS', value: string(idempotencyRetentionHours) }
        { name: 'IDEMPOTENCY_PURGE_SCHEDULE', value: idempotencyPurgeSchedule }
        // Below functionTimeout (host.json) and Logic Apps' 120 s: a request answers before either gives up on it.
        { name: 'REQUEST_DEADLINE_MS', value: string(requestDeadlineMs) }
        { name: 'COMPENSATION_BUDGET_MS', value: string(compensationBudgetMs) }
        // Always set; the code refuses to serve while API_AUDIENCE is empty (fail closed, never anonymous).
        { name: 'API_AUDIENCE', value: apiAppClientId }
        { name: 'API_TENANT_ID', value: apiTenantId }
        // Storage the code uses (ledger table; event queue), addressed by service URI and reached by identity.
        { name: 'CREDENTIAL_EVENTS_QUEUE', value: credentialEventsQueueName }
        { name: 'LEDGER_TABLE', value: ledgerTableName }
        { name: 'STORAGE_QUEUE_SERVICE_URI', value: storage.properties.primaryEndpoints.queue }
        { name: 'STORAGE_TABLE_SERVICE_URI', value: storage.properties.primaryEndpoints.table }
        // The expiry scan: its table, and what it may do (events, rotation, removals), grace, overlap, write concurrency.
        { name: 'SCAN_TABLE', value: scanTableName }
        { name: 'SCAN_ACTIONS', value: scanActions }
        { name: 'SCAN_GRACE_DAYS', value: string(scanGraceDays) }
        { name: 'SCAN_ROTATION_OVERLAP_DAYS', value: string(scanRotationOverlapDays) }
        { name: 'SCAN_WRITE_CONCURRENCY', value: string(scanWriteConcurrency) }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          // The platform fetches the package with the UAMI (Storage Blob Data Owner), not a key or SAS.
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// No publishing with basic (username/password) credentials: azd and CI deploy with Entra tokens.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: { allow: false }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: { allow: false }
}

// Paths anyone may read: the health probe and the API description documents (they hold no secret; Logic Apps and
// Power Automate fetch the connector document before they have a token).
var anonymousPaths = ['/api/health', '/api/openapi.json', '/api/connector/swagger.json']

// A second gate in front of the code's own token check, on from the first deployment: the platform answers 401 to
// any request without a valid token for the API. Without a client id no provider is configured, so it refuses all.
resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: anonymousPaths
    }
    httpSettings: { requireHttps: true }
    identityProviders: empty(apiAppClientId)
      ? {}
      : {
          azureActiveDirectory: {
            enabled: true
            registration: {
              clientId: apiAppClientId
              openIdIssuer: '${environment().authentication.loginEndpoint}${apiTenantId}/v2.0'
            }
            validation: {
              // v2 tokens carry the client id as aud; the identifier URI is accepted for v1 tokens.
              allowedAudiences: [apiAppClientId, apiIdentifierUri]
            }
          }
        }
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Base URL of the function app, e.g. https://func-x.azurewebsites.net.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
