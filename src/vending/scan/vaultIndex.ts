import { MANAGED_BY_TAG } from '../issueSecret';
import { StoredSecretSummary } from '../ports';
import { isGuid } from '../units';
import { CredentialKind } from './credentialKinds';

/**
 * A vault object this product wrote for one credential slot of one app (a secret, or a certificate), as the vault's
 * list shows it.
 */
export interface VaultSlot {
  /** The object name, `app-<appId>-<slot>` or `cert-<appId>-<slot>`. */
  readonly name: string;
  /** Lower-case appId. */
  readonly appId: string;
  /** The keyId its latest version holds: the credential the versionless reference hands out. */
  readonly latestKeyId: string | undefined;
  readonly latestEnabled: boolean;
  /** When the latest version was written: a predecessor's overlap counts from here. */
  readonly latestCreatedOn: Date | undefined;
}

/**
 * The vault objects of one credential kind written by this product, read once per scan from the vault's list of
 * secrets or of certificates (latest versions only), and handed out per app as the directory pages come in. What is
 * left at the end belongs to apps the scan did not see. Memory: one small record per object, no values.
 */
export class VaultIndex {
  private readonly byApp = new Map<string, VaultSlot[]>();
  private count = 0;

  /** `kind` names the objects this index keeps (`app-…` secrets, or `cert-…` certificates). */
  constructor(readonly kind: CredentialKind) {}

  /**
   * Adds one entry of the list; objects not written by this product, or not of this kind, are ignored (a certificate's
   * own secret, `cert-…`, is in the secret list too).
   */
  add(summary: StoredSecretSummary): void {
    const appId = summary.tags.appId?.toLowerCase();
    if (summary.tags.managedBy !== MANAGED_BY_TAG.managedBy || !appId || !isGuid(appId)) return;
    if (!summary.name.toLowerCase().startsWith(`${this.kind.vaultPrefix}-${appId}-`)) return;
    const slot: VaultSlot = {
      name: summary.name,
      appId,
      latestKeyId: summary.tags.keyId?.toLowerCase(),
      latestEnabled: summary.enabled,
      latestCreatedOn: summary.createdOn,
    };
    const slots = this.byApp.get(appId);
    if (slots) slots.push(slot);
    else this.byApp.set(appId, [slot]);
    this.count++;
  }

  /** How many product-written objects of this kind the vault holds. */
  get size(): number {
    return this.count;
  }

  /** The slots of one app, removed from the index (each app is handed its slots once). */
  takeAppSlots(appId: string): VaultSlot[] {
    const key = appId.toLowerCase();
    const slots = this.byApp.get(key) ?? [];
    this.byApp.delete(key);
    return slots;
  }

  /** The slots no {@link takeAppSlots} asked for, by appId: objects of apps this identity does not (or no longer) own. */
  remaining(): [appId: string, slots: VaultSlot[]][] {
    return [...this.byApp.entries()];
  }
}
