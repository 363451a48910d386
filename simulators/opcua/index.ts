import { otherLoopbackHost } from '../../core/net/loopback.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatedIdentity, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { PLC_FLAWS, PLC_PROFILES } from './flaws.js';
import { PLC_NODES, startPlc, type PlcProfile, type PlcSettings, type RunningPlc } from './plc.js';

export { PLC_NODES, drawHardenedSettings, type PlcSettings, type PlcTraffic } from './plc.js';
export { PLC_FLAWS, PLC_PROFILES, type PlcFlaw } from './flaws.js';

/**
 * The bounds the vendor documents, as drawn for this start. The weak PLC documents none (the harness's defaults
 * apply); a weak-<flaw> PLC documents what its hardened twin does, so its one flaw breaks its own documentation.
 */
function documentedBounds(plc: RunningPlc, profile: PlcProfile) {
  if (profile === 'weak') return {};
  const hardened = plc.documented;
  return {
    idleTimeoutS: hardened.maxSessionTimeoutMs / 1000,
    lockout: { threshold: hardened.lockoutThreshold, durationS: hardened.lockoutMs / 1000 },
    maxSessionsPerUser: hardened.maxSessionsPerUser,
    maxSessions: hardened.maxSessions,
  };
}

/** The device profile the simulated PLC writes about itself, as its vendor would. It holds the accounts' passwords. */
export function describePlc(plc: RunningPlc, profile: PlcProfile, host: string, identity?: SimulatedIdentity): ProfileInput {
  return {
    component: {
      name: `Simulated OPC UA PLC (${profile})`,
      vendor: identity?.vendor ?? 'iec62443-harness',
      model: identity?.model ?? 'Simulated OPC UA PLC',
      firmware: identity?.firmware ?? `1.0.0-${profile}`,
      type: 'embedded-device',
    },
    targetSL: 3,
    host,
    endpoints: {
      opcua: {
        url: plc.url,
        clientCertificate: plc.harnessPki.client.certificateFile,
        clientPrivateKey: plc.harnessPki.client.privateKeyFile,
        pkiDir: plc.harnessPki.dir,
        ...documentedBounds(plc, profile),
      },
    },
    openPorts: [plc.port],
    accounts: plc.accounts.map(({ role, username, password }) => ({ role, username, password })),
    essentialFunctions: [{ name: 'read the tank level', opcua: { nodeId: PLC_NODES.tankLevel }, maxLatencyMs: 500 }],
    // Other software on this machine may listen on every address; ports also open on a control address are its.
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'opcua', profile },
  };
}


/** Starts the simulated PLC; tests may pass settings (e.g. a shorter lockout), the CLI uses the defaults. */
export async function startOpcuaSimulator(options: SimulatorStartOptions & { settings?: Partial<PlcSettings> }): Promise<RunningSimulator & { plc: RunningPlc }> {
  if (!PLC_PROFILES.includes(options.profile)) throw new Error(`unknown OPC UA simulator profile "${options.profile}" (known: ${PLC_PROFILES.join(', ')})`);
  const profile = options.profile;
  const plc = await startPlc({ profile, host: options.host, port: options.port ?? 0, workDir: options.workDir, settings: options.settings, ...(options.identity ? { identity: options.identity } : {}) });
  return {
    kind: 'opcua',
    profileName: profile,
    host: options.host,
    ports: [plc.port],
    profile: describePlc(plc, profile, options.host, options.identity),
    plc,
    stop: () => plc.stop(),
  };
}

const definition: SimulatorDefinition = {
  kind: 'opcua',
  description:
    'Simulated OPC UA PLC (node-opcua): tank level, pump, setpoint and counter, with roles admin, operator and viewer; hardened draws its session cap, lockout, ' +
    `idle timeout and user names anew at every start; weak makes every mistake, weak-<flaw> one: ${Object.keys(PLC_FLAWS).join(', ')}`,
  profiles: PLC_PROFILES,
  defaultProfile: 'hardened',
  start: (options) => startOpcuaSimulator(options),
};

export default definition;
