import { loadProtocols } from '../../harness/protocols.js';

/** Mocha loads this before any test file: profiles can only be read once the protocol definitions are registered. */
await loadProtocols();
