@description('Required. Name of the user-assigned managed identity the function app runs as.')
@minLength(3)
@maxLength(128)
param name string

@description('Optional. Azure region. Defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Optional. Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output resourceId string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client (application) id of the identity: what the app asks tokens for.')
output clientId string = identity.properties.clientId

@description('Object id of the identity\'s service principal: what role assignments and Graph app-role grants name.')
output principalId string = identity.properties.principalId
