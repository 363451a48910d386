/**
 * The OPC UA adapter: the only code that talks to node-opcua for checks.
 * - client.ts: OpcuaProbe (GetEndpoints inventory, channels with a chosen policy, mode and client certificate,
 *   CreateSession/ActivateSession observed one by one), OpcuaSession (read, write, write-back, browse, call);
 * - raw.ts: the UA connection protocol and the None secure conversation by hand (Hello, OPN, MSG, CLO), for
 *   liveness probes and for checks that must send what no client library would;
 * - pki.ts: the harness's persistent PKI (client certificate, test CA with CRL) and per-run test certificates;
 * - target.ts: what a check starts from (probe bound to ctx.host, ctx.signal and the timeouts; accounts as identities);
 * - status.ts, deadline.ts, transcript.ts: status values, bounded steps, the evidence transcript;
 * - nodes.ts: the namespace 0 nodes the checks read (Server.Auditing, BuildInfo, diagnostics counters, event types);
 * - availability.ts, storm.ts: the essential-function probe for core/load's monitor, and the Hello/OpenSecureChannel storm;
 * - mitm.ts: the tampering relay (CR 3.1 RE(1)); subjects.ts: a writable variable that holds its value;
 * - fuzz.ts, fuzz-setup.ts: the CR 3.5 corpus, its runner, and the replay of one case by id.
 */
export * from './types.js';
export * from './status.js';
export * from './deadline.js';
export * from './transcript.js';
export * from './client.js';
export * from './raw.js';
export * from './pki.js';
export * from './target.js';
export * from './authorization.js';
export * from './credentials.js';
export * from './nodes.js';
export * from './availability.js';
export * from './storm.js';
export * from './mitm.js';
export * from './subjects.js';
export * from './fuzz.js';
export * from './fuzz-setup.js';
