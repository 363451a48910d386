import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataType,
  OPCUACertificateManager,
  OPCUAServer,
  Variant,
  WellKnownRoles,
  makeRoles,
  nodesets,
  type NodeId,
  type OPCUAServerOptions,
} from 'node-opcua';
// node-opcua's own dependency, the address space its sample server and conformance tests use.
import { build_address_space_for_conformance_testing } from 'node-opcua-address-space-for-conformance-testing';
import type { ProfileInput } from '../../core/profile/schema.js';
import { ensureHarnessPki } from '../../adapters/opcua/pki.js';

/**
 * An OPC UA server the harness did not write: node-opcua's sample server (bin/simple_server of node-opcua-samples)
 * as it ships, configured the same way: node-opcua's default endpoints and policies, anonymous access as node-opcua
 * defaults it, two users (user1 with ConfigureAdmin, user2 with Operator), every certificate accepted, no auditing,
 * 500 sessions, the conformance-testing address space and a FanSpeed variable that moves every 10 ms. The package
 * itself needs Node 22 and pins another node-opcua release, so its configuration is rebuilt here on the installed one.
 * Beyond that, only what the harness asks of any device: its test CA trusted and that CA's revocation list loaded.
 */

export const SAMPLE_USERS = [
  { username: 'user1', password: 'password1', roles: [WellKnownRoles.AuthenticatedUser, WellKnownRoles.ConfigureAdmin] },
  { username: 'user2', password: 'password2', roles: [WellKnownRoles.AuthenticatedUser, WellKnownRoles.Operator] },
];

export interface SampleServer {
  url: string;
  server: OPCUAServer;
  /** What the server received, counted by wrapping its user manager and Write service. */
  failedLogins: Map<string, { failed: number; inARow: number; mostInARow: number }>;
  writeRequests: () => number;
  profile: ProfileInput;
  stop(): Promise<void>;
}

export async function startSampleServer(host: string, workDir: string): Promise<SampleServer> {
  mkdirSync(workDir, { recursive: true });
  const failedLogins: SampleServer['failedLogins'] = new Map();
  const userManager = {
    isValidUser(username: string, password: string): boolean {
      const user = SAMPLE_USERS.find((entry) => entry.username === username);
      const valid = !!user && user.password === password;
      const entry = failedLogins.get(username) ?? { failed: 0, inARow: 0, mostInARow: 0 };
      if (valid) entry.inARow = 0;
      else {
        entry.failed += 1;
        entry.inARow += 1;
        entry.mostInARow = Math.max(entry.mostInARow, entry.inARow);
      }
      failedLogins.set(username, entry);
      return valid;
    },
    getUserRoles(username: string): NodeId[] {
      const user = SAMPLE_USERS.find((entry) => entry.username === username);
      return user ? makeRoles(user.roles) : [];
    },
  };
  const managers = await Promise.all(
    ['PKI', 'UserPKI'].map(async (name) => {
      const manager = new OPCUACertificateManager({ automaticallyAcceptUnknownCertificate: true, name, rootFolder: join(workDir, name) } as ConstructorParameters<typeof OPCUACertificateManager>[0]);
      await manager.initialize();
      return manager;
    }),
  );
  const [serverCertificateManager, userCertificateManager] = managers as [OPCUACertificateManager, OPCUACertificateManager];
  const applicationUri = `urn:${host}:NodeOPCUA-Server`;
  const certificateFile = join(workDir, 'PKI', 'server_certificate1.pem');
  await serverCertificateManager.createSelfSignedCertificate({
    applicationUri,
    dns: ['localhost'],
    ip: [host],
    outputFile: certificateFile,
    subject: '/CN=Sterfive/DC=Test',
    startDate: new Date(),
    validity: 365 * 10,
  });
  const server = new OPCUAServer({
    port: 0,
    host,
    hostname: host,
    serverCertificateManager,
    certificateFile,
    userCertificateManager,
    maxConnectionsPerEndpoint: 500,
    nodeset_filename: [nodesets.standard, nodesets.di],
    serverInfo: { applicationName: { text: 'NodeOPCUA', locale: 'en' }, applicationUri, productUri: 'NodeOPCUA-Server' },
    buildInfo: { buildNumber: '1234' },
    serverCapabilities: { maxSessions: 500, maxSubscriptionsPerSession: 50, maxBrowseContinuationPoints: 10, maxHistoryContinuationPoints: 10 },
    userManager,
    isAuditing: false,
  } as unknown as OPCUAServerOptions);
  // The one step the harness asks of every device: trust its test CA (and load its CRL), which issued its certificate.
  const harnessPki = ensureHarnessPki(join(workDir, 'harness-pki'));
  for (const manager of managers) {
    await manager.trustCertificate(harnessPki.ca.issued.certDer);
    await manager.addRevocationList(readFileSync(harnessPki.ca.crlFile), 'trusted');
  }
  let writes = 0;
  const hooks = server as unknown as { _on_WriteRequest: (message: unknown, channel: unknown) => void };
  await server.initialize();
  const onWrite = hooks._on_WriteRequest.bind(server);
  hooks._on_WriteRequest = (message, channel) => {
    writes += 1;
    return onWrite(message, channel);
  };
  const addressSpace = server.engine.addressSpace!;
  await build_address_space_for_conformance_testing(addressSpace);
  const namespace = addressSpace.getOwnNamespace();
  const myDevices = namespace.addFolder(addressSpace.rootFolder.objects, { browseName: 'MyDevices' });
  const fanSpeed = namespace.addVariable({ organizedBy: myDevices, browseName: 'FanSpeed', nodeId: 'ns=1;s=FanSpeed', dataType: 'Double', value: new Variant({ dataType: DataType.Double, value: 1000 }) });
  const ticker = setInterval(() => fanSpeed.setValueFromSource(new Variant({ dataType: DataType.Double, value: 1000 + Math.random() * 100 - 50 })), 10);
  ticker.unref();
  await server.start();
  const url = `opc.tcp://${host}:${server.endpoints[0]!.port}`;
  const profile: ProfileInput = {
    component: { name: 'node-opcua sample server', vendor: 'Sterfive', model: 'NodeOPCUA-Server', type: 'software-application' },
    targetSL: 3,
    host,
    endpoints: { opcua: { url, clientCertificate: harnessPki.client.certificateFile, clientPrivateKey: harnessPki.client.privateKeyFile, pkiDir: harnessPki.dir } },
    openPorts: [server.endpoints[0]!.port],
    accounts: [
      { role: 'admin', username: 'user1', password: 'password1' },
      { role: 'operator', username: 'user2', password: 'password2' },
      // The sample has no account to spare: the (disruptive) lockout check may use user2 too.
      { role: 'lockout', username: 'user2', password: 'password2' },
    ],
    essentialFunctions: [{ name: 'read the fan speed', opcua: { nodeId: 'ns=1;s=FanSpeed' }, maxLatencyMs: 500 }],
  };
  return {
    url,
    server,
    failedLogins,
    writeRequests: () => writes,
    profile,
    async stop() {
      clearInterval(ticker);
      await server.shutdown(0);
      await Promise.all(managers.map((manager) => manager.dispose()));
    },
  };
}
