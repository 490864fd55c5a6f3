#!/bin/sh
# azd postprovision hook: the Entra side of the deployment, after infra/main.bicep.
#   GRAPH_GRANT_MODE=bicep  (default) deploy infra/graph/graph.bicep (Microsoft Graph Bicep extension)
#   GRAPH_GRANT_MODE=script run infra/scripts/grant-graph-permissions.sh (az rest, no extension)
#   GRAPH_GRANT_MODE=skip   do nothing; an administrator runs one of the two later
# Reads the outputs of main.bicep that azd put in the environment; records API_APP_ID with `azd env set`.
set -eu

mode="${GRAPH_GRANT_MODE:-bicep}"
here="$(cd "$(dirname "$0")" && pwd)"

for name in AZURE_RESOURCE_GROUP API_APP_UNIQUE_NAME API_AUDIENCE MANAGED_IDENTITY_PRINCIPAL_ID; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postprovision: $name is not set; run through azd after infra/main.bicep has been provisioned." >&2
    exit 1
  fi
done

case "$mode" in
  skip)
    echo "postprovision: GRAPH_GRANT_MODE=skip: the API app registration and the Graph permission were NOT set up."
    echo "  An administrator runs: GRAPH_GRANT_MODE=script azd hooks run postprovision   (see infra/README.md)"
    exit 0
    ;;
  script)
    app_id="$("$here/grant-graph-permissions.sh")"
    ;;
  bicep)
    echo "postprovision: deploying infra/graph/graph.bicep (app registration $API_APP_UNIQUE_NAME, Graph grant to $MANAGED_IDENTITY_PRINCIPAL_ID)"
    app_id="$(az deployment group create \
      --resource-group "$AZURE_RESOURCE_GROUP" \
      --name entra-app-vending-graph \
      --template-file "$here/../graph/graph.bicep" \
      --parameters apiAppUniqueName="$API_APP_UNIQUE_NAME" apiAudience="$API_AUDIENCE" \
        managedIdentityPrincipalId="$MANAGED_IDENTITY_PRINCIPAL_ID" \
      --query properties.outputs.API_APP_ID.value -o tsv)"
    ;;
  *)
    echo "postprovision: GRAPH_GRANT_MODE must be bicep, script or skip (got '$mode')." >&2
    exit 2
    ;;
esac

if [ -z "$app_id" ]; then
  echo "postprovision: no appId came back for $API_APP_UNIQUE_NAME." >&2
  exit 1
fi
echo "postprovision: API app registration appId $app_id"
if [ "${API_APP_ID:-}" != "$app_id" ]; then
  azd env set API_APP_ID "$app_id"
  echo "postprovision: API_APP_ID recorded. Run 'azd provision' once more to turn on the platform's token check."
fi
