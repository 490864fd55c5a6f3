/** Refuses to run without the emulator CA trusted: start tests with `npm test`, which sets it up. */
export default function globalSetup(): void {
  if (!process.env.NODE_EXTRA_CA_CERTS || !process.env.EMULATOR_STATE_DIR) {
    throw new Error(
      'Run the tests with `npm test` (it makes the emulator CA and sets NODE_EXTRA_CA_CERTS before Node starts).',
    );
  }
}
