@description('Required. Name of the Log Analytics workspace.')
@minLength(4)
@maxLength(63)
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
@minLength(1)
@maxLength(260)
param applicationInsightsName string

@description('Optional. Azure region. Defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Optional. Tags applied to both resources.')
param tags object = {}

@description('Optional. Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Telemetry is accepted only with an Entra token (the app sends APPLICATIONINSIGHTS_AUTHENTICATION_STRING), so the
    // instrumentation key in the connection string alone cannot be used to write to it.
    DisableLocalAuth: true
  }
}

@description('Name of the Application Insights component; consumers read its connection string through `existing`.')
output applicationInsightsName string = applicationInsights.name

@description('Resource id of the Application Insights component (scope of Monitoring Metrics Publisher).')
output applicationInsightsId string = applicationInsights.id

@description('Resource id of the Log Analytics workspace.')
output logAnalyticsId string = logAnalytics.id
