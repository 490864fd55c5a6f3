@description('Required. Name of the vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Azure region. Defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Optional. Tags applied to the vault.')
param tags object = {}

@description('Optional. Days a deleted secret stays recoverable. 90 is the maximum and cannot be changed once set.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    // Access is Azure RBAC only (Key Vault Secrets Officer for the function's identity); no access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Issued client secrets must not be purgeable by anyone during the retention period; cannot be turned off later.
    enablePurgeProtection: true
    // Flex Consumption without a virtual network reaches the vault over its public endpoint; RBAC guards it.
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('Resource id of the vault (scope of its role assignments).')
output resourceId string = vault.id

@description('Data-plane URL of the vault, e.g. https://kv-x.vault.azure.net/ (the KEY_VAULT_URL setting).')
output uri string = vault.properties.vaultUri
