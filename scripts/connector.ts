// `npm run connector`: writes the custom connector files for `paconn create` (see README "Use it from Logic Apps and
// Power Automate"). Without options it rewrites the committed templates in connector/ (placeholders); with a
// deployment's values, write them elsewhere:
//   npm run connector -- --host vending.azurewebsites.net --tenant <API_TENANT_ID> --audience <API_IDENTIFIER_URI> \
//     --client-id <connector app's client id> --out .connector
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConnectorDeployment, renderConnectorFiles } from './connectorFiles';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    tenant: { type: 'string' },
    audience: { type: 'string' },
    'client-id': { type: 'string' },
    out: { type: 'string', default: resolve(__dirname, '..', 'connector') },
  },
});
const deployment: ConnectorDeployment = {
  ...(values.host ? { host: values.host } : {}),
  ...(values.tenant ? { tenantId: values.tenant } : {}),
  ...(values.audience ? { audience: values.audience } : {}),
  ...(values['client-id'] ? { connectorClientId: values['client-id'] } : {}),
};
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
for (const [name, text] of Object.entries(renderConnectorFiles(deployment))) {
  writeFileSync(resolve(out, name), text);
  console.log(`${resolve(out, name)} (${Buffer.byteLength(text)} bytes)`);
}
