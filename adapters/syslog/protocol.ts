import { defineProtocol } from '../../core/protocol.js';
import { listenAddress, syslogEndpointSchema, type SyslogEndpoint } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    syslog?: SyslogEndpoint;
  }
}

/**
 * The device as a client of the harness: it sends its audit records to a syslog collector the harness runs. The
 * interface has no port on the device; its checks cause security events through the device's other interfaces and
 * judge the records that arrive: that events are recorded (CR 2.8), what happens while the collector is away
 * (CR 2.10), the records' time (CR 2.11) and whether a machine can read them (CR 6.1). CR 2.11 is left out of the
 * concerns because a base id covers its enhancements, and time synchronisation (RE 1) is the time source's
 * (adapters/ntp); the CR 2.11 check's result still counts for this interface.
 */
const CONCERNS = ['CR 2.8', 'CR 2.10', 'CR 6.1'];

export default defineProtocol({
  name: 'syslog',
  title: 'Audit records over syslog (the device as a client)',
  checkProtocols: { syslog: 'the profile names no syslog collector the device sends its audit records to (endpoints.syslog)' },
  libraries: ['node:dgram'],
  endpoint: { key: 'syslog', schema: syslogEndpointSchema },
  concerns: CONCERNS,
  runsAlone: 'its checks cause security events (failed logins, refused writes) through the other interfaces and match each record to its event by time and content',
  interfaces(profile) {
    const endpoint = profile.endpoints.syslog;
    if (!endpoint) return [];
    return [
      {
        name: endpoint.name,
        kind: 'syslog',
        protocols: ['syslog'],
        ports: [],
        label: `syslog collector ${endpoint.transport}://${endpoint.listen}`,
        concerns: CONCERNS,
        endpoint,
        profilePath: ['endpoints', 'syslog'],
      },
    ];
  },
  async preflight(profile) {
    const endpoint = profile.endpoints.syslog;
    if (!endpoint) return [];
    const { host, port } = listenAddress(endpoint);
    const { cannotBind } = await import('./bindable.js');
    const problem = await cannotBind(host, port, endpoint.transport === 'udp' ? 'udp' : 'tcp');
    return problem ? [{ path: 'endpoints.syslog.listen', message: `${problem}; the collector must listen where the device sends its log` }] : [];
  },
});
