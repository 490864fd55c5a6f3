@description('Required. Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Azure region. Defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Optional. Tags applied to the account.')
param tags object = {}

@description('Required. Blob container Flex Consumption deploys the app package to.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string

@description('Required. Queue that carries credential events (issued, expiring, revoked).')
@minLength(3)
@maxLength(63)
param credentialEventsQueueName string

@description('Required. Table that records every vended application and secret.')
@minLength(3)
@maxLength(63)
param ledgerTableName string

@description('Required. Table of the expiry scan: its lock, rotation claims and reports.')
@minLength(3)
@maxLength(63)
param scanTableName string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // Identity only: no account keys, no SAS signed with them; the host and the code use Entra tokens.
    allowSharedKeyAccess: false
    // Portal and tools default to Entra auth instead of trying keys that are disabled.
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Flex Consumption without a virtual network reaches storage over its public endpoint; RBAC guards it.
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource credentialEventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: credentialEventsQueueName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource ledgerTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableService
  name: ledgerTableName
}

resource scanTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = {
  parent: tableService
  name: scanTableName
}

@description('Name of the storage account.')
output name string = storage.name

@description('Resource id of the storage account (scope of its data-plane role assignments).')
output resourceId string = storage.id

@description('Blob service endpoint, e.g. https://st.blob.core.windows.net/.')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Queue service endpoint, e.g. https://st.queue.core.windows.net/.')
output queueEndpoint string = storage.properties.primaryEndpoints.queue

@description('Table service endpoint, e.g. https://st.table.core.windows.net/.')
output tableEndpoint string = storage.properties.primaryEndpoints.table

@description('Name of the deployment package container.')
output deploymentContainerName string = deploymentContainer.name

@description('Name of the credential events queue.')
output credentialEventsQueueName string = credentialEventsQueue.name

@description('Name of the ledger table.')
output ledgerTableName string = ledgerTable.name

@description('Name of the expiry scan\'s table.')
output scanTableName string = scanTable.name
