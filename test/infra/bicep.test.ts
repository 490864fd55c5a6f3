// Compiles infra/main.bicep and infra/graph/graph.bicep with the real Bicep CLI (the Graph extension from its vendored
// types, offline) and checks the ARM templates against the code: every app setting src/config.ts reads is set,
// everything is identity-based, the roles are the right ones, the API's app registration and App Service
// authentication are made in the same deployment. Skipped (loudly) when no Bicep CLI can be found or restored, unless
// REQUIRE_BICEP=true (CI), where that is a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appSettingsSchema, MAX_REQUEST_TIME_MS } from '../../src/config';

const root = resolve(__dirname, '..', '..');
const locator = join(root, 'scripts', 'bicep.mjs');

/** Settings of appSettingsSchema that Bicep deliberately leaves to their default, with the reason. */
const SETTINGS_LEFT_AT_DEFAULT: Readonly<Record<string, string>> = {
  KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: 'emulator-only switch; its default (true) is the only right value in Azure',
};

/** App settings Flex Consumption rejects or ignores (runtime and package live in functionAppConfig). */
const FLEX_FORBIDDEN_SETTINGS = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
  'WEBSITE_TIME_ZONE',
  'TZ',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
];

const ROLE = {
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  minValue?: number;
  maxValue?: number;
}
interface ArmOutput {
  type: string;
  value: unknown;
}
interface ArmResource {
  type: string;
  name?: string;
  condition?: string;
  kind?: string;
  scope?: string;
  existing?: boolean;
  tags?: unknown;
  sku?: Record<string, unknown>;
  identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
  properties?: Record<string, unknown>;
}
interface ArmTemplate {
  imports?: Record<string, unknown>;
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, ArmOutput>;
}
interface Diagnostic {
  level: string;
  code: string;
  message: string;
  file: string;
  line?: number;
}
interface FileSummary {
  compiled: boolean;
  template?: string;
  errors: number;
  warnings: number;
  notes: number;
  diagnostics: Diagnostic[];
}
interface BuildSummary {
  cli: { path: string; version: string; source: string };
  exitCode: number;
  extension: { alias: string; reference: string; types: string };
  main: FileSummary;
  graph: FileSummary;
}

/** A compiled template (or a module's nested one) with its resources as a list. */
class Template {
  readonly resources: ArmResource[];
  constructor(readonly arm: ArmTemplate) {
    this.resources = (Array.isArray(arm.resources) ? arm.resources : Object.values(arm.resources)).filter(
      (r) => !r.existing,
    );
  }
  ofType(type: string): ArmResource[] {
    return this.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
  }
  one(type: string): ArmResource {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
  }
  /** The nested template of module `name` and the parameter values main passes it. */
  module(name: string): { template: Template; params: Record<string, string> } {
    const deployment = this.ofType('Microsoft.Resources/deployments').find((d) => d.name === name);
    if (!deployment) throw new Error(`no module ${name}`);
    const props = deployment.properties as {
      template: ArmTemplate;
      parameters: Record<string, { value: unknown } | string>;
    };
    // A parameter chosen by a condition is one expression that yields the whole {value} object.
    const params = Object.fromEntries(
      Object.entries(props.parameters).map(([k, v]) => [k, JSON.stringify(typeof v === 'string' ? v : v.value)]),
    );
    return { template: new Template(props.template), params };
  }
  /** Minimal expression resolution: `variables('x').y` → its literal value. */
  resolveVariables(expression: string): string {
    return expression.replace(/variables\('(\w+)'\)\.(\w+)/g, (whole, name: string, key: string) => {
      const value = (this.arm.variables?.[name] as Record<string, unknown> | undefined)?.[key];
      return typeof value === 'string' ? `'${value}'` : whole;
    });
  }
  /** The literal value of `[variables('x')]`, or the value itself when it is not such a reference. */
  variable(value: unknown): unknown {
    const name = typeof value === 'string' ? /^\[variables\('(\w+)'\)\]$/.exec(value)?.[1] : undefined;
    return name === undefined ? value : this.arm.variables?.[name];
  }
}

/** `{module, output}` when an expression reads another module's output, e.g. identity.outputs.clientId. */
function moduleOutput(expression: string | undefined): { module: string; output: string } | undefined {
  const match = /'Microsoft\.Resources\/deployments', '(\w+)'\), '[^']+'\)\.outputs\.(\w+)\.value/.exec(
    expression ?? '',
  );
  return match ? { module: match[1]!, output: match[2]! } : undefined;
}

function locateCli(): { available: true } | { available: false; reason: string } {
  // Restores the pinned CLI with dotnet when none is found (fast once it is in .tools/bicep).
  const run = spawnSync(process.execPath, [locator, 'restore', '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status === 0) return { available: true };
  return { available: false, reason: `${run.stderr}`.trim() || `scripts/bicep.mjs restore exited ${run.status}` };
}

const cli = locateCli();
const requireBicep = process.env.REQUIRE_BICEP === 'true';

if (!cli.available) {
  const message = `Bicep CLI unavailable, infra tests ${requireBicep ? 'FAIL (REQUIRE_BICEP=true)' : 'SKIPPED'}: ${cli.reason}`;
  if (requireBicep) {
    test('a Bicep CLI is available (REQUIRE_BICEP=true)', () => {
      throw new Error(message);
    });
  } else {
    console.warn(message);
    test.skip(`infra: ${message}`, () => undefined);
  }
} else {
  describe('infra/main.bicep and infra/graph/graph.bicep compiled by the Bicep CLI', () => {
    let outdir: string;
    let summary: BuildSummary;
    let main: Template;
    let graph: Template;
    let api: { template: Template; params: Record<string, string> };
    let site: ArmResource;
    let appSettings: Map<string, string>;

    beforeAll(() => {
      outdir = mkdtempSync(join(tmpdir(), 'infra-test-'));
      const run = spawnSync(process.execPath, [locator, 'build', '--outdir', outdir, '--json'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      summary = JSON.parse(run.stdout) as BuildSummary;
      if (!summary.main?.template || !summary.graph?.template)
        throw new Error(`infra did not compile:\n${run.stdout}${run.stderr}`);
      main = new Template(JSON.parse(readFileSync(summary.main.template, 'utf8')) as ArmTemplate);
      graph = new Template(JSON.parse(readFileSync(summary.graph.template, 'utf8')) as ArmTemplate);
      api = main.module('api');
      site = api.template.one('Microsoft.Web/sites');
      const settings = (site.properties?.siteConfig as { appSettings: { name: string; value: unknown }[] }).appSettings;
      appSettings = new Map(
        settings.map((s) => [s.name, typeof s.value === 'string' ? s.value : JSON.stringify(s.value)]),
      );
    }, 300_000);

    afterAll(() => {
      if (outdir) rmSync(outdir, { recursive: true, force: true });
    });

    test('both files compile and lint with no error and no warning', () => {
      for (const file of [summary.main, summary.graph]) {
        const problems = file.diagnostics.filter((d) => d.level === 'error' || d.level === 'warning');
        expect(problems.map((d) => `${d.file}(${d.line}) ${d.code}: ${d.message}`)).toEqual([]);
        expect({ compiled: file.compiled, errors: file.errors, warnings: file.warnings }).toEqual({
          compiled: true,
          errors: 0,
          warnings: 0,
        });
      }
      expect(summary.exitCode).toBe(0);
    });

    test('the Graph extension is the vendored v1.0 1.0.0 types offline; users keep the registry reference', () => {
      expect(summary.extension.alias).toBe('microsoftGraphV1');
      expect(summary.extension.reference).toMatch(/^br:[^/]+\/bicep\/extensions\/microsoftgraph\/v1\.0:1\.0\.0$/);
      expect(summary.extension.types).toBe(
        join(root, 'infra', 'vendor', 'microsoftgraph-bicep-v1.0-1.0.0', 'index.json'),
      );
      const config = JSON.parse(readFileSync(join(root, 'infra', 'bicepconfig.json'), 'utf8')) as {
        extensions: Record<string, string>;
      };
      expect(config.extensions).toEqual({ microsoftGraphV1: summary.extension.reference });
      expect(graph.arm.imports).toEqual({ microsoftGraphV1: { provider: 'MicrosoftGraph', version: '1.0.0' } });
    });

    test('every setting src/config.ts reads is set on the function app', () => {
      const keys = Object.keys(appSettingsSchema.properties);
      for (const exception of Object.keys(SETTINGS_LEFT_AT_DEFAULT)) expect(keys).toContain(exception);
      const missing = keys.filter((k) => !(k in SETTINGS_LEFT_AT_DEFAULT) && !appSettings.has(k));
      expect(missing).toEqual([]);
      for (const required of appSettingsSchema.required) expect(appSettings.has(required)).toBe(true);
      for (const [name, value] of appSettings)
        expect({ name, empty: value.trim() === '' }).toEqual({ name, empty: false });
    });

    test('storage the code will use is created and passed by name and service URI', () => {
      const storage = main.module('storage');
      expect(storage.params.credentialEventsQueueName).toBe('"credential-events"');
      expect(storage.params.ledgerTableName).toBe('"ledger"');
      expect(storage.params.scanTableName).toBe('"scans"');
      expect(storage.template.ofType('Microsoft.Storage/storageAccounts/queueServices/queues')).toHaveLength(1);
      expect(storage.template.ofType('Microsoft.Storage/storageAccounts/tableServices/tables')).toHaveLength(2);
      for (const name of [
        'CREDENTIAL_EVENTS_QUEUE',
        'LEDGER_TABLE',
        'SCAN_TABLE',
        'STORAGE_QUEUE_SERVICE_URI',
        'STORAGE_TABLE_SERVICE_URI',
      ]) {
        expect(appSettings.has(name)).toBe(true);
      }
      expect(appSettings.get('STORAGE_QUEUE_SERVICE_URI')).toContain('primaryEndpoints.queue');
      expect(appSettings.get('STORAGE_TABLE_SERVICE_URI')).toContain('primaryEndpoints.table');
    });

    test('policy parameters have the bounds and defaults of appSettingsSchema', () => {
      const schema = appSettingsSchema.properties as Record<
        string,
        { minimum?: number; maximum?: number; default?: unknown }
      >;
      let checked = 0;
      for (const [setting, value] of appSettings) {
        const param = /^\[(?:string\()?parameters\('(\w+)'\)\)?\]$/.exec(value)?.[1];
        const rule = schema[setting];
        if (!param || !rule) continue;
        const apiParam = api.template.arm.parameters?.[param];
        if (rule.minimum !== undefined)
          expect({ setting, min: apiParam?.minValue }).toEqual({ setting, min: rule.minimum });
        if (rule.maximum !== undefined)
          expect({ setting, max: apiParam?.maxValue }).toEqual({ setting, max: rule.maximum });
        const mainParam = main.arm.parameters?.[param];
        // An empty default means "the deployment cloud's own value" (GRAPH_BASE_URL from environment().graph).
        if (mainParam && rule.default !== undefined && mainParam.defaultValue !== '') {
          expect({ setting, default: mainParam.defaultValue }).toEqual({ setting, default: rule.default });
          if (rule.minimum !== undefined) expect(mainParam.minValue).toBe(rule.minimum);
          if (rule.maximum !== undefined) expect(mainParam.maxValue).toBe(rule.maximum);
          checked++;
        }
      }
      // The five lifetimes (secret and certificate), the expiring window, the two schedules, the idempotency retention.
      expect(checked).toBeGreaterThanOrEqual(8);
    });

    test('exportable certificate keys stay off unless a deployment opts in, and the setting is a bool the code parses', () => {
      expect(main.arm.parameters?.certificateAllowExportable).toMatchObject({ type: 'bool', defaultValue: false });
      expect(appSettings.get('CERTIFICATE_ALLOW_EXPORTABLE')).toBe(
        "[if(parameters('certificateAllowExportable'), 'true', 'false')]",
      );
      expect(main.module('api').params.certificateAllowExportable).toBe(
        '"[parameters(\'certificateAllowExportable\')]"',
      );
    });

    test("a request and its rollback stay under the host's and Logic Apps' timeouts (issue #12)", () => {
      expect(appSettings.get('REQUEST_DEADLINE_MS')).toContain("parameters('requestDeadlineMs')");
      expect(appSettings.get('COMPENSATION_BUDGET_MS')).toContain("parameters('compensationBudgetMs')");
      // main.bicep caps the rollback so that both together never pass MAX_REQUEST_TIME_MS, as the code requires.
      expect(api.params.compensationBudgetMs).toContain(`sub(${MAX_REQUEST_TIME_MS}, parameters('requestDeadlineMs'))`);
      expect(api.params.compensationBudgetMs).toContain("[min(parameters('compensationBudgetMs'), ");
    });

    test('settings use identity: no keys, no key-based connection strings', () => {
      const text = JSON.stringify(main.arm);
      for (const forbidden of [
        'AccountKey=',
        'listKeys(',
        'listkeys(',
        'SharedAccessKey',
        'listConnectionStrings(',
        'listSecrets(',
      ]) {
        expect({ forbidden, found: text.includes(forbidden) }).toEqual({ forbidden, found: false });
      }
      expect(appSettings.has('AzureWebJobsStorage')).toBe(false);
      expect(appSettings.has('APPINSIGHTS_INSTRUMENTATIONKEY')).toBe(false);
      expect(appSettings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
      expect(appSettings.get('AzureWebJobsStorage__clientId')).toBe("[parameters('identityClientId')]");
      expect(appSettings.has('AzureWebJobsStorage__accountName')).toBe(true);
      // The connection string only locates App Insights; ingestion must be authorised with the identity's token.
      expect(appSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
        "[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]",
      );
      const insights = main.module('monitoring').template.one('Microsoft.Insights/components');
      expect(insights.properties?.DisableLocalAuth).toBe(true);
      for (const name of FLEX_FORBIDDEN_SETTINGS)
        expect({ name, set: appSettings.has(name) }).toEqual({ name, set: false });
    });

    test('the identity settings and references point at the user-assigned identity', () => {
      expect(moduleOutput(api.params.identityClientId)).toEqual({ module: 'identity', output: 'clientId' });
      expect(moduleOutput(api.params.identityResourceId)).toEqual({ module: 'identity', output: 'resourceId' });
      expect(appSettings.get('AZURE_CLIENT_ID')).toBe("[parameters('identityClientId')]");
      const identity = main.module('identity').template;
      expect(identity.one('Microsoft.ManagedIdentity/userAssignedIdentities')).toBeDefined();
      expect(JSON.stringify(identity.arm.outputs?.resourceId?.value)).toContain(
        'Microsoft.ManagedIdentity/userAssignedIdentities',
      );
      expect(moduleOutput(api.params.keyVaultUrl)).toEqual({ module: 'keyVault', output: 'uri' });
    });

    test('the function app runs node 22 on Flex Consumption FC1 (Linux) as the UAMI', () => {
      const plan = api.template.one('Microsoft.Web/serverfarms');
      expect(plan.sku).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
      expect(plan.properties?.reserved).toBe(true);
      expect(site.kind).toBe('functionapp,linux');
      expect(site.identity?.type).toBe('UserAssigned');
      expect(Object.keys(site.identity?.userAssignedIdentities ?? {})).toEqual([
        "[format('{0}', parameters('identityResourceId'))]",
      ]);
      expect(site.properties?.keyVaultReferenceIdentity).toBe("[parameters('identityResourceId')]");
      expect(site.properties?.httpsOnly).toBe(true);
      expect(JSON.stringify(site.tags)).toContain("'azd-service-name', 'api'");
      const config = site.properties?.functionAppConfig as {
        runtime: { name: string; version: string };
        deployment: {
          storage: { type: string; authentication: { type: string; userAssignedIdentityResourceId: string } };
        };
      };
      expect(config.runtime).toEqual({ name: 'node', version: '22' });
      expect(config.deployment.storage.type).toBe('blobContainer');
      expect(config.deployment.storage.authentication).toEqual({
        type: 'UserAssignedIdentity',
        userAssignedIdentityResourceId: "[parameters('identityResourceId')]",
      });
      const basicAuth = api.template.ofType('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      expect(basicAuth.map((p) => p.properties?.allow)).toEqual([false, false]);
    });

    test('the API app registration is made in the same deployment, before the function app that needs its id', () => {
      const module = main.ofType('Microsoft.Resources/deployments').find((d) => d.name === 'graph');
      expect(module?.condition).toBe("[parameters('deployEntraResources')]");
      expect(main.arm.parameters?.deployEntraResources).toMatchObject({ type: 'bool', defaultValue: true });
      const graphModule = main.module('graph');
      expect(moduleOutput(graphModule.params.managedIdentityPrincipalId)).toEqual({
        module: 'identity',
        output: 'principalId',
      });
      expect(graphModule.params.apiIdentifierUri).toBe(JSON.stringify("[variables('apiIdentifierUri')]"));
      expect(main.arm.variables?.apiIdentifierUri).toBe(
        "[format('api://{0}/{1}', tenant().tenantId, variables('effectiveApiAppUniqueName'))]",
      );
      // With the Graph part the client id comes from its output; without it, from the administrator's parameter.
      const clientId = JSON.parse(api.params.apiAppClientId!) as string;
      expect(clientId).toMatch(/^\[if\(parameters\('deployEntraResources'\), createObject\('value', reference\(/);
      expect(moduleOutput(clientId)).toEqual({ module: 'graph', output: 'API_APP_ID' });
      expect(clientId).toMatch(/createObject\('value', parameters\('apiAppClientId'\)\)\)\]$/);
      const apiDeployment = main.ofType('Microsoft.Resources/deployments').find((d) => d.name === 'api');
      expect(JSON.stringify((apiDeployment as { dependsOn?: string[] }).dependsOn)).toContain("'graph')");
    });

    test('API_AUDIENCE is always set, to the client id, so the code never serves without one', () => {
      expect(appSettings.get('API_AUDIENCE')).toBe("[parameters('apiAppClientId')]");
      expect(appSettings.get('API_TENANT_ID')).toBe("[parameters('apiTenantId')]");
      expect(api.params.apiTenantId).toBe(JSON.stringify('[tenant().tenantId]'));
      // Empty only when the administrator's part is pending: loadConfig treats an empty setting as missing.
      expect(api.template.arm.parameters?.apiAppClientId).toEqual(
        expect.objectContaining({ type: 'string', maxLength: 36 }),
      );
      expect(api.template.arm.parameters?.apiAppClientId?.defaultValue).toBeUndefined();
    });

    test('App Service authentication is on from the first deployment: 401 without a token, except the public documents', () => {
      const auth = api.template.ofType('Microsoft.Web/sites/config').find((c) => c.name?.includes('authsettingsV2'));
      expect(auth).toBeDefined();
      expect(auth?.condition).toBeUndefined();
      const properties = auth?.properties as {
        platform: unknown;
        globalValidation: { excludedPaths: unknown };
        httpSettings: unknown;
        identityProviders: string;
      };
      expect(properties.platform).toEqual({ enabled: true });
      expect({
        ...properties.globalValidation,
        excludedPaths: api.template.variable(properties.globalValidation.excludedPaths),
      }).toEqual({
        requireAuthentication: true,
        unauthenticatedClientAction: 'Return401',
        excludedPaths: ['/api/health', '/api/openapi.json', '/api/connector/swagger.json'],
      });
      expect(properties.httpSettings).toEqual({ requireHttps: true });
      // No client id yet: no provider, so nothing authenticates and every protected request is refused.
      expect(properties.identityProviders).toBe(
        "[if(empty(parameters('apiAppClientId')), createObject(), createObject('azureActiveDirectory', " +
          "createObject('enabled', true(), 'registration', createObject('clientId', parameters('apiAppClientId'), " +
          "'openIdIssuer', format('{0}{1}/v2.0', environment().authentication.loginEndpoint, parameters('apiTenantId'))), " +
          "'validation', createObject('allowedAudiences', createArray(parameters('apiAppClientId'), parameters('apiIdentifierUri'))))))]",
      );
    });

    test('graph.bicep: the API registration with its three app roles, delegated scope, identifier URI and v2 tokens', () => {
      const app = graph.one('Microsoft.Graph/applications@v1.0');
      const props = app.properties as {
        uniqueName: string;
        signInAudience: string;
        identifierUris: string[];
        groupMembershipClaims: string;
        api: {
          requestedAccessTokenVersion: number;
          oauth2PermissionScopes: { id: string; value: string; type: string; isEnabled: boolean }[];
        };
        appRoles: { id: string; value: string; allowedMemberTypes: string[]; isEnabled: boolean }[];
      };
      expect(props.uniqueName).toBe("[parameters('apiAppUniqueName')]");
      expect(props.signInAudience).toBe('AzureADMyOrg');
      expect(props.identifierUris).toEqual(["[parameters('apiIdentifierUri')]"]);
      expect(props.groupMembershipClaims).toBe('SecurityGroup');
      expect(props.api.requestedAccessTokenVersion).toBe(2);
      expect(props.appRoles.map((r) => [r.value, r.allowedMemberTypes, r.isEnabled])).toEqual([
        ['App.Create', ['Application', 'User'], true],
        ['Secret.Create', ['Application', 'User'], true],
        ['Admin', ['Application', 'User'], true],
      ]);
      // Literal, distinct GUIDs: an expression or a duplicate would orphan assignments on the next deployment.
      const ids = [...props.appRoles.map((r) => r.id), ...props.api.oauth2PermissionScopes.map((s) => s.id)];
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).toBe(ids.length);
      expect(
        props.api.oauth2PermissionScopes.map(({ value, type, isEnabled }) => ({ value, type, isEnabled })),
      ).toEqual([{ value: 'access_as_user', type: 'User', isEnabled: true }]);
    });

    test('graph.bicep: a service principal that requires role assignment, and OwnedBy granted to the identity', () => {
      const sp = graph.one('Microsoft.Graph/servicePrincipals@v1.0');
      expect(sp.properties).toEqual({ appId: "[reference('apiApp').appId]", appRoleAssignmentRequired: true });
      const existing = Object.entries(graph.arm.resources as Record<string, ArmResource>).filter(([, r]) => r.existing);
      expect(existing.map(([name, r]) => [name, r.type, r.properties])).toEqual([
        ['graphServicePrincipal', 'Microsoft.Graph/servicePrincipals@v1.0', { appId: "[variables('graphAppId')]" }],
      ]);
      expect(graph.arm.variables?.graphAppId).toBe('00000003-0000-0000-c000-000000000000');
      const grant = graph.one('Microsoft.Graph/appRoleAssignedTo@v1.0');
      expect(grant.properties).toEqual({
        principalId: "[parameters('managedIdentityPrincipalId')]",
        resourceId: "[reference('graphServicePrincipal').id]",
        appRoleId: "[variables('applicationReadWriteOwnedById')]",
      });
      // Application.ReadWrite.OwnedBy, not Application.ReadWrite.All.
      expect(graph.arm.variables?.applicationReadWriteOwnedById).toBe('18a4783c-866b-4cc7-a460-3d5e5662c884');
      expect(graph.resources).toHaveLength(3);
      expect(Object.keys(graph.arm.outputs ?? {})).toEqual([
        'API_APP_ID',
        'API_SERVICE_PRINCIPAL_ID',
        'GRAPH_GRANT_ID',
      ]);
    });

    test('Key Vault is in RBAC mode with purge protection and 90-day soft delete', () => {
      const keyVault = main.module('keyVault').template;
      const vault = keyVault.one('Microsoft.KeyVault/vaults');
      expect(vault.properties?.enableRbacAuthorization).toBe(true);
      expect(vault.properties?.enablePurgeProtection).toBe(true);
      expect(vault.properties?.enableSoftDelete).toBe(true);
      expect(vault.properties?.softDeleteRetentionInDays).toBe("[parameters('softDeleteRetentionInDays')]");
      expect(keyVault.arm.parameters?.softDeleteRetentionInDays?.defaultValue).toBe(90);
      expect(vault.properties?.accessPolicies).toBeUndefined();
    });

    test('storage has shared keys disabled, TLS 1.2 and no public blob access', () => {
      const account = main.module('storage').template.one('Microsoft.Storage/storageAccounts');
      expect(account.properties).toMatchObject({
        allowSharedKeyAccess: false,
        minimumTlsVersion: 'TLS1_2',
        allowBlobPublicAccess: false,
        supportsHttpsTrafficOnly: true,
      });
    });

    test('the identity holds exactly the least-privilege roles, each named guid(scope, principal, role)', () => {
      const rbac = main.module('rbac');
      expect(moduleOutput(rbac.params.principalId)).toEqual({ module: 'identity', output: 'principalId' });
      const assignments = rbac.template.ofType('Microsoft.Authorization/roleAssignments').map((a) => {
        const props = a.properties as { principalId: string; principalType: string; roleDefinitionId: string };
        const roleDefinitionId = rbac.template.resolveVariables(props.roleDefinitionId);
        return {
          role: /'Microsoft\.Authorization\/roleDefinitions', '([0-9a-f-]{36})'/.exec(roleDefinitionId)?.[1],
          scopeType: /resourceId\('([^']+)'/.exec(a.scope ?? '')?.[1],
          principalId: props.principalId,
          principalType: props.principalType,
          name: rbac.template.resolveVariables(a.name ?? ''),
          expectedName: `[guid(${a.scope?.slice(1, -1)}, parameters('principalId'), '${/'([0-9a-f-]{36})'\)\]$/.exec(roleDefinitionId)?.[1]}')]`,
        };
      });
      expect(assignments.map(({ role, scopeType }) => ({ role, scopeType }))).toEqual(
        expect.arrayContaining([
          { role: ROLE.keyVaultSecretsOfficer, scopeType: 'Microsoft.KeyVault/vaults' },
          { role: ROLE.keyVaultCertificatesOfficer, scopeType: 'Microsoft.KeyVault/vaults' },
          { role: ROLE.storageBlobDataOwner, scopeType: 'Microsoft.Storage/storageAccounts' },
          { role: ROLE.storageQueueDataContributor, scopeType: 'Microsoft.Storage/storageAccounts' },
          { role: ROLE.storageTableDataContributor, scopeType: 'Microsoft.Storage/storageAccounts' },
          { role: ROLE.monitoringMetricsPublisher, scopeType: 'Microsoft.Insights/components' },
        ]),
      );
      expect(assignments).toHaveLength(6);
      for (const a of assignments) {
        expect(a.principalType).toBe('ServicePrincipal');
        expect(a.principalId).toBe("[parameters('principalId')]");
        expect(a.name).toBe(a.expectedName);
      }
    });

    test('no output is a secret or read from a list* function', () => {
      const templates = [
        main,
        graph,
        ...['identity', 'monitoring', 'storage', 'keyVault', 'rbac', 'graph', 'api'].map(
          (m) => main.module(m).template,
        ),
      ];
      for (const template of templates) {
        for (const [name, output] of Object.entries(template.arm.outputs ?? {})) {
          const value = JSON.stringify(output.value);
          expect({ name, secure: output.type.toLowerCase().startsWith('secure') }).toEqual({ name, secure: false });
          expect({ name, list: /\blist\w*\(/i.test(value) }).toEqual({ name, list: false });
          expect({ name, connectionString: /connectionstring/i.test(value) }).toEqual({
            name,
            connectionString: false,
          });
          expect(name).not.toMatch(/secret|password|key$|connectionstring/i);
        }
      }
    });

    test('main exposes what azd, a deployer and a caller need', () => {
      expect(Object.keys(main.arm.outputs ?? {})).toEqual(
        expect.arrayContaining([
          'AZURE_FUNCTION_APP_NAME',
          'SERVICE_API_URI',
          'KEY_VAULT_URL',
          'AZURE_CLIENT_ID',
          'MANAGED_IDENTITY_PRINCIPAL_ID',
          'API_APP_UNIQUE_NAME',
          'API_APP_ID',
          'API_IDENTIFIER_URI',
          'API_SERVICE_PRINCIPAL_ID',
          'AZURE_RESOURCE_GROUP',
        ]),
      );
      expect(moduleOutput(JSON.stringify(main.arm.outputs?.API_SERVICE_PRINCIPAL_ID?.value))).toEqual({
        module: 'graph',
        output: 'API_SERVICE_PRINCIPAL_ID',
      });
    });

    test('main.parameters.json passes only parameters main.bicep has, and every one without a default', () => {
      const file = JSON.parse(readFileSync(join(root, 'infra', 'main.parameters.json'), 'utf8')) as {
        parameters: Record<string, { value: string }>;
      };
      const declared = main.arm.parameters ?? {};
      expect(Object.keys(file.parameters).filter((name) => !(name in declared))).toEqual([]);
      const required = Object.entries(declared).filter(([, p]) => p.defaultValue === undefined);
      expect(required.map(([name]) => name).filter((name) => !(name in file.parameters))).toEqual([]);
      expect(file.parameters.deployEntraResources?.value).toBe('${DEPLOY_ENTRA_RESOURCES=true}');
      // An azd variable's fallback is the template's own default, so an unset variable changes nothing.
      for (const [name, { value }] of Object.entries(file.parameters)) {
        const fallback = /^\$\{\w+=(.*)\}$/.exec(value)?.[1];
        const declaredDefault = declared[name]?.defaultValue;
        if (fallback === undefined) expect({ name, declaredDefault }).toEqual({ name, declaredDefault: undefined });
        else expect({ name, fallback }).toEqual({ name, fallback: String(declaredDefault) });
      }
    });

    test('infra/README.md documents every parameter of main.bicep and the roles it grants', () => {
      const readme = readFileSync(join(root, 'infra', 'README.md'), 'utf8');
      for (const name of Object.keys(main.arm.parameters ?? {}))
        expect({ name, documented: readme.includes(`\`${name}\``) }).toEqual({ name, documented: true });
      for (const role of ['Key Vault Secrets Officer', 'Key Vault Certificates Officer', 'Key Vault Crypto User'])
        expect({ role, documented: readme.includes(role) }).toEqual({ role, documented: true });
    });

    test('the offline build keeps its teeth: Graph types are checked and a linter warning is an error', () => {
      const dir = mkdtempSync(join(tmpdir(), 'infra-lint-'));
      try {
        const file = join(dir, 'bad.bicep');
        writeFileSync(
          file,
          [
            'extension microsoftGraphV1',
            'param unused string',
            "resource app 'Microsoft.Graph/applications@v1.0' = {",
            "  uniqueName: 'x'",
            "  displayName: 'x'",
            '  notAGraphProperty: true',
            '}',
            '',
          ].join('\n'),
        );
        const script = [
          `import { lint, offlineConfig, locate } from ${JSON.stringify(locator)};`,
          `const { config } = offlineConfig(locate().path, ${JSON.stringify(dir)});`,
          `const r = lint(locate().path, ${JSON.stringify(file)}, { config });`,
          'console.log(JSON.stringify([...r.errors, ...r.warnings].map((d) => d.code)));',
        ].join('\n');
        const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: root,
          encoding: 'utf8',
          timeout: 120_000,
        });
        const codes = JSON.parse(run.stdout) as string[];
        expect(codes).toEqual(expect.arrayContaining(['no-unused-params', 'BCP037']));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
