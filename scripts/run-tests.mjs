// `npm test`: make the emulator CA first, then start jest with NODE_EXTRA_CA_CERTS naming it, because Node reads
// that variable only when a process starts. Arguments are passed on to jest (`npm test -- test/unit`).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const stateDir = resolve(root, '.sandbox', 'test');
const tsx = resolve(root, 'node_modules', '.bin', 'tsx');

const prepared = spawnSync(tsx, [resolve(root, 'scripts', 'prepare-test-tls.ts'), stateDir], { stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);

const jest = resolve(root, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, NODE_EXTRA_CA_CERTS: resolve(stateDir, 'tls', 'ca.pem'), EMULATOR_STATE_DIR: stateDir },
});
process.exit(result.status ?? 1);
