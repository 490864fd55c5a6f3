import { randomUUID } from 'node:crypto';
import { KeyCredentialInfo, OwnedApplication, PasswordCredentialInfo } from '../../../../src/vending/ports';
import {
  assessApplication,
  AssessmentRules,
  slotsNeedingVersions,
} from '../../../../src/vending/scan/assessApplication';
import { VaultSlot } from '../../../../src/vending/scan/vaultIndex';
import { secretNameFor } from '../../../../src/vending/secretNaming';
import { DAY_MS } from '../../../../src/vending/units';

const NOW = new Date('2026-05-10T08:30:00.000Z');
const RULES: AssessmentRules = {
  thresholds: { maxLifetimeDays: 180, expiringWithinDays: 30 },
  graceDays: 7,
  rotationOverlapDays: 3,
  now: NOW,
};
const iso = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();

function credential(displayName: string | null, startDays: number, endDays: number): PasswordCredentialInfo {
  return { keyId: randomUUID(), displayName, hint: 'abc', startDateTime: iso(startDays), endDateTime: iso(endDays) };
}

function app(
  credentials: PasswordCredentialInfo[],
  tags: string[] = [],
  keyCredentials: KeyCredentialInfo[] = [],
): OwnedApplication {
  return {
    id: randomUUID(),
    appId: randomUUID(),
    displayName: 'app',
    tags,
    passwordCredentials: credentials,
    keyCredentials,
  };
}

function slot(
  owner: OwnedApplication,
  name: string,
  latest: PasswordCredentialInfo | string,
  enabled = true,
): VaultSlot {
  return {
    name: secretNameFor(owner.appId, name),
    appId: owner.appId,
    latestKeyId: typeof latest === 'string' ? latest : latest.keyId,
    latestEnabled: enabled,
    latestCreatedOn: NOW,
  };
}

describe('slotsNeedingVersions', () => {
  it('lists versions only where the secret list cannot answer', () => {
    const one = credential('one', -1, 60);
    const twoA = credential('two', -10, 60);
    const twoB = credential('two', -1, 80);
    const expired = credential('old', -60, -1);
    const owner = app([one, twoA, twoB, expired]);
    const slots = [
      slot(owner, 'one', one), // its one credential is the latest: no
      slot(owner, 'two', twoB), // two live credentials: which version holds which?
      slot(owner, 'old', expired), // expired: its version will be disabled
      slot(owner, 'gone', randomUUID()), // latest holds a credential that is gone: stale
      slot(owner, 'revoked', randomUUID(), false), // revoked (latest disabled) and empty: nothing to do
    ];
    expect(slotsNeedingVersions(owner, slots, RULES).map((s) => s.name)).toEqual(
      ['two', 'old', 'gone'].map((n) => secretNameFor(owner.appId, n)),
    );
  });
});

describe('assessApplication', () => {
  it('calls a credential whose displayName is no slot orphaned, and removes it after the grace from its start', () => {
    const portal = credential('Password uploaded on 5/10', -3, 300);
    const [assessment] = assessApplication(app([portal]), [], RULES);
    expect(assessment).toMatchObject({ class: 'orphaned', action: 'removeCredential', due: new Date(iso(4)) });
  });

  it('does not retire anything in an opted-in slot whose latest version was revoked', () => {
    const older = credential('default', -40, 20);
    const owner = app([older], ['vending:rotate:*']);
    const revoked = slot(owner, 'default', randomUUID(), false);
    const assessments = assessApplication(
      owner,
      [
        {
          slot: revoked,
          versions: [
            { name: revoked.name, version: 'v1', id: 'x', enabled: true, tags: { keyId: older.keyId }, createdOn: NOW },
            { name: revoked.name, version: 'v2', id: 'y', enabled: false, tags: { keyId: revoked.latestKeyId! } },
          ],
        },
      ],
      RULES,
    );
    expect(assessments).toEqual([expect.objectContaining({ keyId: older.keyId, class: 'expiring', action: 'none' })]);
  });
});
