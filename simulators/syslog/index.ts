import type { SyslogEndpoint } from '../../adapters/syslog/endpoint.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { startWebSimulator } from '../web/index.js';
import type { WebAuditEvent } from '../web/device.js';
import { startOpcuaSimulator } from '../opcua/index.js';
import type { NtpEndpoint } from '../../adapters/ntp/endpoint.js';
import { AuditSender, SENDER_FLAWS, type SenderFlaw } from './sender.js';
import { TimeClient } from './time-client.js';

export { SENDER_FLAWS, type SenderFlaw } from './sender.js';

/**
 * A PLC whose web management UI (the hardened web simulator) sends an audit record of every login and every refused
 * admin request to a syslog collector, as its vendor documents for CR 2.8 and CR 6.1. The collector is the harness's:
 * the self-described profile names where it is (endpoints.syslog), and the simulator keeps trying to reach it.
 * hardened: RFC 5424 over TCP with octet counting, UTC time stamps, the event as structured data, buffered while the
 *   collector is away. weak-<flaw>: one flaw of SENDER_FLAWS. weak: free text, no zone, a wrong clock and no buffer at once.
 * hardened-udp and hardened-tls: the hardened records over UDP (RFC 5426) and TLS (RFC 5425).
 * Every variant but weak-no-ntp also asks the harness's time source (endpoints.ntp) every second.
 * hardened-opcua: the hardened PLC's OPC UA server beside the web UI, its ActivateSession and Write audit events sent
 *   to the collector as well.
 */

const FLAW_NAMES = Object.keys(SENDER_FLAWS) as SenderFlaw[];
const WEAK: SenderFlaw[] = ['free-text', 'no-zone', 'clock-off', 'no-buffer'];
const PROFILES = ['hardened', 'hardened-udp', 'hardened-tls', 'hardened-opcua', 'weak', ...FLAW_NAMES.map((flaw) => `weak-${flaw}`)] as const;
const TEST_BOUNDS = { recordWithinS: 5, clockToleranceS: 5, outageS: 4 };
const NTP_POLL_MS = 1_000;

function configOf(profile: string): { flaws: Set<SenderFlaw>; transport: 'udp' | 'tcp' | 'tls' } {
  if (profile === 'hardened') return { flaws: new Set(), transport: 'tcp' };
  if (profile === 'hardened-udp') return { flaws: new Set(), transport: 'udp' };
  if (profile === 'hardened-tls') return { flaws: new Set(), transport: 'tls' };
  if (profile === 'hardened-opcua') return { flaws: new Set(), transport: 'tcp' };
  if (profile === 'weak') return { flaws: new Set(WEAK), transport: 'tcp' };
  const flaw = profile.slice('weak-'.length) as SenderFlaw;
  if (profile.startsWith('weak-') && flaw in SENDER_FLAWS) return { flaws: new Set([flaw]), transport: 'tcp' };
  throw new Error(`syslog simulator: unknown profile "${profile}" (known: ${PROFILES.join(', ')})`);
}

export async function startSyslogSimulator(options: SimulatorStartOptions): Promise<RunningSimulator & { sender: AuditSender }> {
  const { flaws, transport } = configOf(options.profile);
  let collectorHost = randomLoopbackHost();
  while (collectorHost === options.host) collectorHost = randomLoopbackHost();
  const collectorPort = await freePort(collectorHost);
  const web = await startWebSimulator({ ...options, profile: 'hardened', auditLog: false });
  const sender = new AuditSender({ collector: { host: collectorHost, port: collectorPort, transport }, localAddress: options.host, hostname: 'plc-17', appName: 'webui', flaws });
  web.web.device.auditListeners.push((event) => sender.record(event));
  let opcua: Awaited<ReturnType<typeof startOpcuaSimulator>> | undefined;
  try {
    if (options.profile === 'hardened-opcua') {
      opcua = await startOpcuaSimulator({ ...options, profile: 'hardened' });
      forwardOpcuaAudit(opcua.plc.server, (event) => sender.record(event));
    }
  } catch (error) {
    await web.stop();
    throw error;
  }
  sender.start();
  const ntpPort = await freePort(collectorHost);
  const time = flaws.has('no-ntp') ? undefined : new TimeClient({ server: { host: collectorHost, port: ntpPort }, localAddress: options.host, pollMs: NTP_POLL_MS });
  time?.start();
  const ntp: NtpEndpoint = { name: 'time-source', listen: `${collectorHost}:${ntpPort}`, queryWithinS: 5, clockToleranceS: 5 };
  const syslog: SyslogEndpoint = { name: 'audit-log', listen: `${collectorHost}:${collectorPort}`, transport, ...TEST_BOUNDS };
  const profile = {
    ...web.profile,
    component: { name: `Simulated PLC with audit log (${options.profile})`, vendor: 'iec62443-harness', model: 'syslog-sim', firmware: `2.3.1-${options.profile}`, type: 'embedded-device' as const },
    endpoints: { ...web.profile.endpoints, ...(opcua ? { opcua: opcua.profile.endpoints?.opcua } : {}), syslog, ntp },
    simulator: { kind: 'syslog', profile: options.profile },
  };
  if (opcua) {
    // The OPC UA accounts are that interface's alone, as the web accounts are the web UI's.
    profile.accounts = [...(web.profile.accounts ?? []), ...(opcua.profile.accounts ?? []).map((account) => ({ ...account, interfaces: ['opcua'] }))];
    profile.openPorts = [...(web.profile.openPorts ?? []), ...(opcua.profile.openPorts ?? [])];
    profile.essentialFunctions = [...(web.profile.essentialFunctions ?? []), ...(opcua.profile.essentialFunctions ?? [])];
  }
  return {
    kind: 'syslog',
    profileName: options.profile,
    host: options.host,
    ports: [...web.ports, ...(opcua?.ports ?? [])],
    profile,
    sender,
    async stop() {
      await time?.stop();
      await sender.stop();
      await opcua?.stop();
      await web.stop();
    },
  };
}

type AuditOptions = Record<string, { value?: unknown } | undefined>;

/** Sends the OPC UA server's ActivateSession and Write audit events on to the collector, as a vendor's syslog bridge would. */
function forwardOpcuaAudit(server: unknown, record: (event: WebAuditEvent) => void): void {
  // node-opcua raises its audit events through this method (this.raiseEvent), so wrapping it sees every one.
  const target = server as { raiseEvent(eventType: unknown, options: AuditOptions): void };
  const original = target.raiseEvent.bind(target);
  target.raiseEvent = (eventType, options) => {
    const type = typeof eventType === 'string' ? eventType : '';
    if (type === 'AuditActivateSessionEventType' || type === 'AuditWriteUpdateEventType') {
      const succeeded = options.status?.value === true;
      const message = options.message?.value as { text?: string } | undefined;
      record({
        category: type === 'AuditWriteUpdateEventType' ? 'authorization' : 'login',
        outcome: succeeded ? 'success' : 'failure',
        user: String(options.clientUserId?.value ?? ''),
        action: type === 'AuditWriteUpdateEventType' ? 'OPC UA Write' : 'OPC UA ActivateSession',
        ...(succeeded || !message?.text ? {} : { reason: message.text }),
      });
    }
    return original(eventType, options);
  };
}

const definition: SimulatorDefinition = {
  kind: 'syslog',
  description: `PLC web UI that sends audit records to a syslog collector and takes its time from an NTP server: hardened (RFC 5424 over TCP), hardened-udp, hardened-tls, weak, or weak-<flaw> with one of ${FLAW_NAMES.join(', ')}`,
  profiles: PROFILES,
  defaultProfile: 'hardened',
  // The embedded default has the web simulator, which sends hardened audit records itself; this one adds nothing to it.
  embedded: false,
  start: (options) => startSyslogSimulator(options),
};

export default definition;
