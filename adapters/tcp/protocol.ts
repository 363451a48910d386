import { defineProtocol } from '../../core/protocol.js';

/**
 * The component as a node on the network: port scans, UDP probes and connection storms judge the whole component,
 * so there is one interface, and the requirements it evidences (CR 7.7, the TCP storm's share of CR 7.1) are the
 * component's, not an interface's.
 */
export default defineProtocol({
  name: 'tcp',
  title: 'Network (TCP/IP)',
  checkProtocols: { tcp: 'the component has no network address' },
  runsAlone: 'its checks connect to every port of the host, which would disturb and be disturbed by checks of any interface',
  interfaces(profile) {
    return [
      {
        name: 'network',
        kind: 'tcp',
        protocols: ['tcp'],
        // openPorts are the component's, not this interface's: a port listed there with no endpoint is a service nothing
        // declared, and the CR 7.7 scan reports what answers on it.
        ports: [],
        label: `${profile.host} (every port)`,
        concerns: [],
      },
    ];
  },
});
