#!/bin/sh
# The Entra side of entra-app-vending with `az rest` only, for teams without the Microsoft Graph Bicep extension.
# Does what infra/graph/graph.bicep does, idempotently (safe to run again):
#   1. upserts the vending API's app registration by uniqueName (app roles App.Create, Secret.Create, Admin;
#      identifier URI; v2 access tokens),
#   2. creates its service principal if missing (app-role assignment required),
#   3. grants Microsoft Graph Application.ReadWrite.OwnedBy to the function's managed identity if not yet granted.
# Input (azd puts them in the environment from main.bicep's outputs):
#   API_APP_UNIQUE_NAME, API_AUDIENCE, MANAGED_IDENTITY_PRINCIPAL_ID; optional GRAPH_BASE_URL (national clouds).
# Progress goes to stderr; the API's appId is printed on stdout.
# The signed-in user needs Privileged Role Administrator (or Global Administrator) for step 3, and the right to
# create applications (Cloud Application Administrator, Application Administrator or Application Developer).
set -eu

: "${API_APP_UNIQUE_NAME:?set API_APP_UNIQUE_NAME (main.bicep output)}"
: "${API_AUDIENCE:?set API_AUDIENCE (main.bicep output)}"
: "${MANAGED_IDENTITY_PRINCIPAL_ID:?set MANAGED_IDENTITY_PRINCIPAL_ID (main.bicep output)}"
graph="${GRAPH_BASE_URL:-https://graph.microsoft.com}"
graph="${graph%/}"

# Well-known ids: Microsoft Graph's appId and its Application.ReadWrite.OwnedBy app role.
graph_app_id=00000003-0000-0000-c000-000000000000
owned_by_role_id=18a4783c-866b-4cc7-a460-3d5e5662c884

say() { echo "grant-graph-permissions: $*" >&2; }
graph_call() { az rest --resource "$graph" "$@"; }

say "1/3 upserting app registration uniqueName=$API_APP_UNIQUE_NAME (identifier URI $API_AUDIENCE)"
# Fixed role ids (the same as graph.bicep), so assignments made to callers survive a re-run.
graph_call --method patch \
  --url "$graph/v1.0/applications(uniqueName='$API_APP_UNIQUE_NAME')" \
  --headers "Prefer=create-if-missing" "Content-Type=application/json" \
  --body "$(cat <<JSON
{
  "displayName": "Entra app vending API",
  "signInAudience": "AzureADMyOrg",
  "identifierUris": ["$API_AUDIENCE"],
  "api": { "requestedAccessTokenVersion": 2 },
  "appRoles": [
    { "id": "75aabb5e-9eb8-4c2c-892d-890ed206bc43", "value": "App.Create", "displayName": "Create app registrations",
      "description": "Create app registrations through the vending API; the caller becomes their requester.",
      "allowedMemberTypes": ["Application", "User"], "isEnabled": true },
    { "id": "1148418c-333a-4c1b-9d72-0605e2db9c08", "value": "Secret.Create", "displayName": "Issue client secrets",
      "description": "Issue, list and revoke client secrets of vended app registrations.",
      "allowedMemberTypes": ["Application", "User"], "isEnabled": true },
    { "id": "4d4fe9ae-008c-422b-b4a7-8ee2658379c2", "value": "Admin", "displayName": "Administer the vending API",
      "description": "Every operation of the vending API on every vended app registration.",
      "allowedMemberTypes": ["Application", "User"], "isEnabled": true }
  ]
}
JSON
)" --output none
app_id="$(graph_call --method get --url "$graph/v1.0/applications(uniqueName='$API_APP_UNIQUE_NAME')?\$select=appId" --query appId -o tsv)"
say "    appId $app_id"

say "2/3 service principal of $app_id"
sp_id="$(graph_call --method get --url "$graph/v1.0/servicePrincipals?\$filter=appId eq '$app_id'&\$select=id" --query 'value[0].id' -o tsv)"
if [ -z "$sp_id" ] || [ "$sp_id" = "None" ]; then
  sp_id="$(graph_call --method post --url "$graph/v1.0/servicePrincipals" \
    --body "{\"appId\": \"$app_id\", \"appRoleAssignmentRequired\": true}" --query id -o tsv)"
  say "    created $sp_id"
else
  say "    exists $sp_id"
fi

say "3/3 Application.ReadWrite.OwnedBy for managed identity $MANAGED_IDENTITY_PRINCIPAL_ID"
graph_sp_id="$(graph_call --method get --url "$graph/v1.0/servicePrincipals?\$filter=appId eq '$graph_app_id'&\$select=id" --query 'value[0].id' -o tsv)"
granted="$(graph_call --method get \
  --url "$graph/v1.0/servicePrincipals/$MANAGED_IDENTITY_PRINCIPAL_ID/appRoleAssignments" \
  --query "length(value[?appRoleId=='$owned_by_role_id' && resourceId=='$graph_sp_id'])" -o tsv)"
if [ "$granted" = "0" ]; then
  graph_call --method post \
    --url "$graph/v1.0/servicePrincipals/$MANAGED_IDENTITY_PRINCIPAL_ID/appRoleAssignments" \
    --body "{\"principalId\": \"$MANAGED_IDENTITY_PRINCIPAL_ID\", \"resourceId\": \"$graph_sp_id\", \"appRoleId\": \"$owned_by_role_id\"}" \
    --output none
  say "    granted"
else
  say "    already granted"
fi

echo "$app_id"
