import { MANAGED_BY_TAG } from '../issueSecret';
import { StoredSecretSummary } from '../ports';
import { isGuid } from '../units';

/** A vault secret this product wrote (one credential slot of one app), as the vault's secret list shows it. */
export interface VaultSlot {
  /** The secret name, `app-<appId>-<slot>`. */
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
 * The vault's secrets written by this product, read once per scan from the secret list (latest versions only), and
 * handed out per app as the directory pages come in. What is left at the end belongs to apps the scan did not see.
 * Memory: one small record per secret, no values.
 */
export class VaultIndex {
  private readonly byApp = new Map<string, VaultSlot[]>();
  private count = 0;

  /** Adds one entry of the secret list; secrets not written by this product are ignored. */
  add(summary: StoredSecretSummary): void {
    const appId = summary.tags.appId?.toLowerCase();
    if (summary.tags.managedBy !== MANAGED_BY_TAG.managedBy || !appId || !isGuid(appId)) return;
    if (!summary.name.toLowerCase().startsWith(`app-${appId}-`)) return;
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

  /** How many product-written secrets the vault holds. */
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

  /** The slots no {@link takeAppSlots} asked for, by appId: secrets of apps this identity does not (or no longer) own. */
  remaining(): [appId: string, slots: VaultSlot[]][] {
    return [...this.byApp.entries()];
  }
}
