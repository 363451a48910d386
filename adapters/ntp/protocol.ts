import { defineProtocol } from '../../core/protocol.js';
import { ntpEndpointSchema, ntpListenAddress, type NtpEndpoint } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    ntp?: NtpEndpoint;
  }
}

/** The device as a client of the harness's time source: it must query it and keep its clock by it (CR 2.11 RE(1)). */
const CONCERNS = ['CR 2.11 RE(1)'];

export default defineProtocol({
  name: 'ntp',
  title: 'Time synchronisation (the device as an NTP client)',
  checkProtocols: { ntp: 'the profile names no time source the device synchronises from (endpoints.ntp)' },
  libraries: ['node:dgram'],
  endpoint: { key: 'ntp', schema: ntpEndpointSchema },
  concerns: CONCERNS,
  interfaces(profile) {
    const endpoint = profile.endpoints.ntp;
    if (!endpoint) return [];
    return [{ name: endpoint.name, kind: 'ntp', protocols: ['ntp'], ports: [], label: `time source udp://${endpoint.listen}`, concerns: CONCERNS, endpoint, profilePath: ['endpoints', 'ntp'] }];
  },
  async preflight(profile) {
    const endpoint = profile.endpoints.ntp;
    if (!endpoint) return [];
    const { host, port } = ntpListenAddress(endpoint);
    const { cannotBind } = await import('../syslog/bindable.js');
    const problem = await cannotBind(host, port, 'udp');
    return problem ? [{ path: 'endpoints.ntp.listen', message: `${problem}; the time source must listen where the device asks for the time` }] : [];
  },
});
