/**
 * The OPC UA adapter: the only code that talks to node-opcua for checks.
 * - client.ts: OpcuaProbe (GetEndpoints inventory, channels with a chosen policy, mode and client certificate,
 *   CreateSession/ActivateSession observed one by one), OpcuaSession (read, write, write-back, browse, call);
 * - raw.ts: the UA connection protocol and the None secure conversation by hand (Hello, OPN, MSG, CLO), for
 *   liveness probes and for checks that must send what no client library would;
 * - pki.ts: the harness's persistent PKI (client certificate, test CA with CRL) and per-run test certificates;
 * - target.ts: what a check starts from (probe bound to ctx.host, ctx.signal and the timeouts; accounts as identities);
 * - status.ts, deadline.ts, transcript.ts: status values, bounded steps, the evidence transcript.
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
