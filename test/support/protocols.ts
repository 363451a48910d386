import { loadProtocols } from '../../harness/protocols.js';

/**
 * Mocha loads this before any test file. The tests run the TypeScript sources, and so does every harness command they
 * start (bin/iec62443-harness.js reads this variable), so no test runs a stale dist/; the packed-package test clears it.
 */
process.env.IEC62443_FROM_SOURCES = '1';

/** Profiles can only be read once the protocol definitions are registered. */
await loadProtocols();
