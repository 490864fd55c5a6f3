import { EmulatorEndpoints } from '../../emulators/index';
import { graphClientAs } from './clients';
import { control } from './emulators';

/** One vault version as the Key Vault emulator's control plane lists it (never a value). */
export interface VaultVersion {
  version: string;
  enabled: boolean;
  tags: Record<string, string> | null;
}

/** One vault secret with its versions in creation order (the last is what its versionless URI serves). */
export interface VaultSecret {
  name: string;
  versions: VaultVersion[];
  deleted: boolean;
}

/** One vault certificate with its versions in creation order (never a key), as the emulator's control plane lists it. */
export interface VaultCertificate {
  name: string;
  versions: VaultVersion[];
}

/** An application as a tenant administrator reads it from Graph: tags, credentials (no secrets, no keys). */
export interface GraphApplication {
  id: string;
  appId: string;
  displayName: string;
  tags: string[];
  passwordCredentials: { keyId: string; displayName: string | null }[];
  keyCredentials: { keyId: string; displayName: string | null }[];
}

/** What is left behind that must not be: the suites assert every list is empty. */
export interface Leftovers {
  /** Apps made by the API that no answer reported as created (a failed create left them). */
  strayApps: string[];
  /** Credentials without an enabled vault version holding their secret (`appId/keyId`). */
  credentialsWithoutSecret: string[];
  /** Enabled vault versions whose credential is gone (`name/version`). */
  versionsWithoutCredential: string[];
  /** Slots whose versionless URI does not serve their newest live credential (`name: why`). */
  brokenSlots: string[];
  /** Key credentials that came from Key Vault without an enabled certificate version behind them (`appId/keyId`). */
  keyCredentialsWithoutCertificate: string[];
  /** Enabled certificate versions of the API's (`managedBy` tag) whose key credential is gone (`name/version`). */
  certificatesWithoutKeyCredential: string[];
}

/** Every secret of the emulated vault, versions in creation order. */
export function vaultSecrets(endpoints: EmulatorEndpoints): Promise<VaultSecret[]> {
  return control<VaultSecret[]>(endpoints.keyVault.control, 'GET', 'secrets');
}

/** Every certificate of the emulated vault, versions in creation order. */
export function vaultCertificates(endpoints: EmulatorEndpoints): Promise<VaultCertificate[]> {
  return control<VaultCertificate[]>(endpoints.keyVault.control, 'GET', 'certificates');
}

/** Every application in the emulated tenant, read by the tenant administrator (sees all, owns none of ours). */
export async function graphApplications(endpoints: EmulatorEndpoints): Promise<GraphApplication[]> {
  const client = graphClientAs(endpoints, 'tenantAdmin');
  const apps: GraphApplication[] = [];
  let page = (await client
    .api('/applications')
    .select(['id', 'appId', 'displayName', 'tags', 'passwordCredentials', 'keyCredentials'])
    .top(999)
    .get()) as { value: GraphApplication[]; '@odata.nextLink'?: string };
  apps.push(...page.value);
  while (page['@odata.nextLink']) {
    page = (await client.api(page['@odata.nextLink']).get()) as typeof page;
    apps.push(...page.value);
  }
  return apps.map((a) => ({ ...a, keyCredentials: a.keyCredentials ?? [] }));
}

/**
 * What the API left behind, judged from Graph and the vault alone: every app made through the API (it carries a
 * `vending:request:` tag) that no 201 reported, every credential of such an app without an enabled version holding its
 * secret, every enabled version of the API's (`managedBy` tag) whose credential is gone, and every slot whose latest
 * version is not its newest live credential — newest by where its original version (not a `restoredFrom` copy) stands
 * in the vault's creation order. Certificates alike: every key credential of such an app that Key Vault made (a
 * certificate version of the API's carries its keyId) without an enabled version behind it, and every enabled
 * certificate version of the API's whose key credential is gone. The secrets behind certificates are judged as their
 * certificates, not as secrets.
 */
export async function findLeftovers(
  endpoints: EmulatorEndpoints,
  reported: { apps: ReadonlySet<string> },
): Promise<Leftovers> {
  const [apps, allSecrets, certificates] = await Promise.all([
    graphApplications(endpoints),
    vaultSecrets(endpoints),
    vaultCertificates(endpoints),
  ]);
  const certificateNames = new Set(certificates.map((c) => c.name.toLowerCase()));
  const secrets = allSecrets.filter((s) => !certificateNames.has(s.name.toLowerCase()));
  const ours = apps.filter((a) => a.tags.some((t) => t.startsWith('vending:request:')));
  const live = new Map<string, string>(); // keyId → appId
  for (const app of ours) for (const c of app.passwordCredentials) live.set(c.keyId.toLowerCase(), app.appId);
  const stored = new Set<string>();
  const versionsWithoutCredential: string[] = [];
  const brokenSlots: string[] = [];
  for (const secret of secrets.filter((s) => !s.deleted)) {
    const rank = new Map<string, number>();
    secret.versions.forEach((v, i) => {
      if (v.tags?.keyId && v.tags.restoredFrom === undefined) rank.set(v.tags.keyId.toLowerCase(), i);
    });
    const managed = secret.versions.filter((v) => v.tags?.managedBy === 'entra-app-vending');
    if (managed.length === 0) continue;
    for (const v of managed) {
      const keyId = v.tags?.keyId?.toLowerCase() ?? '';
      if (!v.enabled) continue;
      if (live.has(keyId)) stored.add(keyId);
      else versionsWithoutCredential.push(`${secret.name}/${v.version}`);
    }
    const liveKeyIds = [...new Set(managed.filter((v) => v.enabled).map((v) => v.tags?.keyId?.toLowerCase() ?? ''))]
      .filter((k) => live.has(k))
      .sort((a, b) => (rank.get(a) ?? -1) - (rank.get(b) ?? -1));
    const latest = secret.versions.at(-1)!;
    const newest = liveKeyIds.at(-1);
    if (newest === undefined) continue; // empty slot: its latest may be disabled, that is the promise
    const served = latest.enabled ? latest.tags?.keyId?.toLowerCase() : undefined;
    if (served === undefined) brokenSlots.push(`${secret.name}: serves a disabled version, ${newest} is live`);
    else if (!live.has(served)) brokenSlots.push(`${secret.name}: serves ${served}, whose credential is gone`);
    else if (served !== newest) brokenSlots.push(`${secret.name}: serves ${served}, ${newest} is newer`);
  }
  const credentialsWithoutSecret = [...live.entries()]
    .filter(([keyId]) => !stored.has(keyId))
    .map(([keyId, appId]) => `${appId}/${keyId}`);
  return {
    strayApps: ours.filter((a) => !reported.apps.has(a.appId)).map((a) => a.appId),
    credentialsWithoutSecret,
    versionsWithoutCredential,
    brokenSlots,
    ...certificateLeftovers(ours, certificates),
  };
}

/** The certificate half of {@link findLeftovers}: key credentials and certificate versions that outlived each other. */
function certificateLeftovers(
  ours: readonly GraphApplication[],
  certificates: readonly VaultCertificate[],
): Pick<Leftovers, 'keyCredentialsWithoutCertificate' | 'certificatesWithoutKeyCredential'> {
  const keyCredentials = new Map<string, string>(); // keyId → appId
  for (const app of ours) for (const k of app.keyCredentials) keyCredentials.set(k.keyId.toLowerCase(), app.appId);
  const made = new Set<string>(); // keyIds Key Vault made a certificate version for
  const enabled = new Set<string>();
  const certificatesWithoutKeyCredential: string[] = [];
  for (const certificate of certificates) {
    for (const v of certificate.versions.filter((v) => v.tags?.managedBy === 'entra-app-vending')) {
      const keyId = v.tags?.keyId?.toLowerCase() ?? 'untagged';
      made.add(keyId);
      if (!v.enabled) continue;
      enabled.add(keyId);
      if (!keyCredentials.has(keyId)) certificatesWithoutKeyCredential.push(`${certificate.name}/${v.version}`);
    }
  }
  const keyCredentialsWithoutCertificate = [...keyCredentials.entries()]
    .filter(([keyId]) => made.has(keyId) && !enabled.has(keyId))
    .map(([keyId, appId]) => `${appId}/${keyId}`);
  return { keyCredentialsWithoutCertificate, certificatesWithoutKeyCredential };
}

/** The number of items in all the lists of {@link Leftovers}. */
export function countLeftovers(leftovers: Leftovers): number {
  const lists = Object.values(leftovers as unknown as Record<string, string[]>);
  return lists.reduce((sum, list) => sum + list.length, 0);
}
