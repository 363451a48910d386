import type { ProfileInput } from '../core/profile/schema.js';

/**
 * A simulated component. Each simulators/<kind>/index.ts default-exports one SimulatorDefinition;
 * the registry finds them by folder, so adding a simulator touches no shared file.
 */
export interface SimulatorStartOptions {
  /** Which behaviour: "hardened", "weak", or another name the definition lists. */
  profile: string;
  /** Loopback address to bind to, e.g. "127.0.0.5"; never a wildcard address. */
  host: string;
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  /** A private temp folder for PKI and state; the simulator creates what it needs below it. */
  workDir: string;
  /**
   * Who the simulated device says it is, where the protocol lets it say (BuildInfo, SSH identification, sysDescr):
   * the embedded default gives every part one identity, as the interfaces of one PLC report one. Absent: its own.
   */
  identity?: SimulatedIdentity;
}

export interface SimulatedIdentity {
  vendor: string;
  model: string;
  firmware: string;
}

/** Where `simulate` reads the identity when the embedded default starts it as a child process or a container. */
export const SIMULATED_IDENTITY_ENV = 'IEC62443_SIMULATED_IDENTITY';

export interface RunningSimulator {
  kind: string;
  profileName: string;
  host: string;
  /** Ports the simulator listens on, including any undeclared ones of a weak profile. */
  ports: number[];
  /**
   * A device profile describing the simulated component as its vendor would: endpoints, openPorts (only the
   * intended ones), accounts, essential functions, declarations. It may hold passwords.
   */
  profile: ProfileInput;
  /** Stops every listener and timer and closes every socket; resolves when all are closed. */
  stop(): Promise<void>;
}

export interface SimulatorDefinition {
  kind: string;
  description: string;
  profiles: readonly string[];
  /** The profile the embedded default campaign runs against. */
  defaultProfile: string;
  /** False for simulators that are not a component's part, e.g. hostile targets for robustness tests. */
  embedded?: boolean;
  start(options: SimulatorStartOptions): Promise<RunningSimulator>;
}
