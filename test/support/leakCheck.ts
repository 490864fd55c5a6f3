import { RunningSandbox } from '../../sandbox/sandbox';
import { tokensObtained } from './callerTokens';

/** Anything shaped like a JWT (a token, whoever it was issued to). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;

/**
 * Every secret a suite must never see in an answer or a log line: each secret text Graph issued, each caller token
 * this test file obtained, and the seeded principals' client secrets and users' passwords.
 */
export function knownSecrets(sandbox: RunningSandbox): string[] {
  const { principals, users } = sandbox.endpoints;
  return [
    ...sandbox.emulators.issuedSecretTexts(),
    ...tokensObtained(),
    ...Object.values(principals).flatMap((p) => (p.clientSecret ? [p.clientSecret] : [])),
    ...Object.values(users).map((u) => u.password),
  ];
}

/**
 * Which texts hold a known secret or anything shaped like a JWT: each finding names the text's index and what was found
 * (`secret #n` of {@link knownSecrets}, or `jwt`), never the secret itself, so a failing assertion does not leak it.
 */
export function leaksIn(sandbox: RunningSandbox, texts: readonly string[]): string[] {
  const secrets = knownSecrets(sandbox);
  const findings: string[] = [];
  texts.forEach((text, index) => {
    if (JWT.test(text)) findings.push(`text ${index}: jwt`);
    secrets.forEach((secret, n) => {
      if (text.includes(secret)) findings.push(`text ${index}: secret #${n}`);
    });
  });
  return findings;
}
