// Writes a fresh emulator CA and server certificate for one launch into <stateDir>/tls.
import { resolve } from 'node:path';
import { prepareTls } from '../emulators/index';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: prepare-tls <stateDir>');
prepareTls(resolve(stateDir), false);
