import type { ZodType } from 'zod';
import type { CheckContext } from './check.js';
import type { EssentialProbe } from './load/availability.js';
import type { AccountRole, Profile } from './profile/schema.js';
import type { CaseReplayer } from './fuzz/replay.js';
import type { ProfileProblem } from './profile/load.js';

/**
 * The protocol plug-in API. Each adapters/<name>/protocol.ts default-exports defineProtocol({...}); the harness finds
 * the folders (harness/protocols.ts) and registers the definitions here before it reads a profile. The kernel knows
 * protocols only through this list, so adding one means new files only.
 *
 * A definition is a light module: it must not import its protocol library at load time (use `await import()` inside
 * monitor and replay), so that commands which never talk to a device start fast.
 */

export type Transport = 'tcp' | 'udp';

export interface InterfacePort {
  port: number;
  transport: Transport;
  /** A TLS handshake is served on this port (the TLS analysis applies to it). */
  tls?: boolean;
}

/** One way into the component: a declared endpoint, judged on its own in every requirement that concerns it. */
export interface ComponentInterface {
  /** Unique within the component: "opcua", "modbus", "web-ui". Declarations and accounts name interfaces by it. */
  name: string;
  /** The protocol definition it belongs to ("opcua", "tls"), or the service a scan saw ("ssh") for a found one. */
  kind: string;
  /** Check protocols that run against it: a Modbus/TCP Security endpoint serves "modbus" and "modbus-tls" checks. */
  protocols: readonly string[];
  ports: InterfacePort[];
  /** For people: "opc.tcp://127.0.0.1:4840", "modbus+tls://127.0.0.1:802". */
  label: string;
  /** Requirement ids (a base id covers its enhancements) that this interface must answer for on its own. */
  concerns: readonly string[];
  /** The profile entry the interface comes from (endpoints.<key> or one element of it). */
  endpoint?: unknown;
  /** Consecutive failed logins after which the vendor documents a lockout on this interface (default 3). */
  lockoutThreshold?: number;
  /** Where the interface is declared in the profile, as a path: ["endpoints", "tls", 1]. */
  profilePath?: Array<string | number>;
}

/** A service the CR 7.7 scan saw on a port for which the profile declares no endpoint. */
export interface FoundInterface {
  port: number;
  transport: Transport;
  /** Service name from the banner or the port ("ssh", "http", "telnet", "snmp"); "unknown" when neither says. */
  service: string;
  banner?: string;
  /** The port is listed in openPorts (an intended service nothing tested) or not (also a CR 7.7 finding). */
  declared: boolean;
}

/** "ssh:22", "snmp:161/udp": the name a found service goes by in reports and declarations. */
export const foundInterfaceName = (found: FoundInterface): string => `${found.service}:${found.port}${found.transport === 'udp' ? '/udp' : ''}`;
/** Found services are known only after the scan, so a declaration may name one by this shape before any run. */
export const FOUND_INTERFACE_NAME = /^[a-z0-9.+-]+:\d{1,5}(\/udp)?$/;

/** What the CR 7.1 monitors sample while a load runs, opened before and closed after. */
export interface AvailabilityMonitor {
  probes: EssentialProbe[];
  close(): Promise<void>;
}

/** An open TCP port as `init` saw it before any protocol looked at it. */
export interface ListeningPort {
  port: number;
  /** What the port sent unasked or answered to an HTTP HEAD request, if anything. */
  banner?: string;
  /** The banner's best guess ("SSH", "HTTP (lighttpd)", "TLS") or "unknown". */
  service: string;
}

/** What `init` hands each protocol's discovery: the ports still unexplained, and the limits every probe keeps to. */
export interface DiscoveryScene {
  host: string;
  /** Open TCP ports that no other protocol has claimed yet. */
  tcp: readonly ListeningPort[];
  /** UDP services that answered a harmless probe ("snmp" on 161). */
  udp: ReadonlyArray<{ port: number; service: string; answer?: string }>;
  /** Deadline of each network step. */
  timeoutMs: number;
  signal: AbortSignal;
  /** An interface name no other discovered interface has: `preferred`, else `preferred-<port>`, else numbered. */
  uniqueName(preferred: string, port: number): string;
  /** Options the user gave `init` that belong to one protocol (e.g. snmpCommunities); absent when not given. */
  options: Readonly<Record<string, string | undefined>>;
  log(line: string): void;
}

/** What the component reports about itself over one interface. */
export interface DiscoveredIdentity {
  vendor?: string;
  model?: string;
  firmware?: string;
  /** Where it was read: "OPC UA BuildInfo", "Modbus FC 43". */
  source: string;
}

/** One protocol's findings, written into the profile by `init`. */
export interface Discovered {
  /** The whole endpoints.<key> section for this protocol (an object or a list, as the endpoint schema wants). */
  endpoint: unknown;
  /** Ports explained by this protocol; no other protocol probes them afterwards. */
  claims: Array<{ port: number; transport: Transport }>;
  /** One line per interface found, for the console and the profile's comment: "OPC UA on 4840: 3 endpoints, UserName and Anonymous tokens". */
  found: string[];
  /** What the user still has to decide or fill in for this protocol, said in the profile beside the section. */
  todo: string[];
  identity?: DiscoveredIdentity;
  /** Account roles the checks of this protocol log in as; init writes them as placeholders to fill in. */
  roles?: readonly AccountRole[];
  /** essentialFunctions entries to suggest (written commented out: only the vendor knows what is essential). */
  essentialFunctions?: unknown[];
}

export interface ProtocolDiscovery {
  /** Looks at the unclaimed ports for this protocol with harmless requests only: no write, no login with a guessed password. */
  run(scene: DiscoveryScene): Promise<Discovered | undefined>;
  /**
   * A protocol that recognises anything on its transport (TLS, plain TCP) looks only after the specific ones, so that
   * an OPC UA server with a TLS-less channel or a Modbus/TCP Security port is claimed by its own protocol first.
   */
  fallback?: boolean;
}

export interface ProtocolDefinition {
  /** The folder name under adapters/, also the --protocol filter. */
  name: string;
  /** For people: "OPC UA", "Modbus/TCP". */
  title: string;
  /** Values a check's `protocol` may take for this definition, each with the reason its checks do not apply when no interface serves it. */
  checkProtocols: Readonly<Record<string, string>>;
  /** npm packages (and node: modules) that only this adapter may import; the import lint enforces it. */
  libraries?: readonly string[];
  /** The profile section `endpoints.<key>` this protocol owns. */
  endpoint?: { key: string; schema: ZodType };
  /** The essential-function kind `essentialFunctions[].<key>` this protocol adds. */
  essentialFunction?: { key: string; schema: ZodType };
  /** The interfaces the profile's endpoints of this protocol make. */
  interfaces(profile: Profile): ComponentInterface[];
  /** Service names a scan reports for this protocol ("http", "https"), so a found service gets this protocol's concerns. */
  services?: readonly string[];
  /** Requirements every interface of this kind must answer for; used for services found by a scan. */
  concerns?: readonly string[];
  /**
   * Why this protocol's checks run with no other check at once (they act on the whole host, or cause events through
   * the component's other interfaces); absent: they run beside the checks of other interfaces. A check may say so itself.
   */
  runsAlone?: string;
  /**
   * Why this protocol's checks spend most of their time waiting (an agent that refuses by staying silent is only
   * answered by a timeout). Their lane starts before the busy ones, so its waits overlap their work instead of
   * following it.
   */
  mostlyWaits?: string;
  /** What monitor() would sample for this profile, by name, decided from the profile alone (empty: nothing). */
  watches?(profile: Profile): string[];
  /** Opens what the CR 7.1 monitors sample on this protocol's interfaces; undefined when there is nothing to sample. */
  monitor?(ctx: CheckContext): Promise<AvailabilityMonitor | undefined>;
  /** Replays one case of this protocol's CR 3.5 corpus by id ("<name>:<case id>"). */
  replay?: CaseReplayer;
  /** How `init --host` finds this protocol's interfaces on a device nobody has described yet. */
  discovery?: ProtocolDiscovery;
  /** Secrets this protocol's profile section holds (communities, keys), so that reports and logs mask them. */
  secrets?(profile: Profile): string[];
  /**
   * Problems of the profile that only this machine can tell, found before any check runs (a run with any exits 2):
   * an address of the harness the profile names for a peer the device uses (a syslog collector) that cannot be bound.
   */
  preflight?(profile: Profile): Promise<ProfileProblem[]>;
}

export function defineProtocol(definition: ProtocolDefinition): ProtocolDefinition {
  return definition;
}

/**
 * Requirements a management or data interface answers for on its own: identification and authentication, use control,
 * integrity, confidentiality and denial of service. Applied to services a scan finds but no definition claims.
 */
export const INTERFACE_CONCERNS: readonly string[] = [
  'CR 1.1',
  'CR 1.2',
  'CR 1.5',
  'CR 1.7',
  'CR 1.10',
  'CR 1.11',
  'CR 2.1',
  'CR 3.1',
  'CR 3.5',
  'CR 4.1',
  'CR 4.3',
  'CR 7.1',
];

/**
 * One registry per process, even when a loader makes two instances of this module (mocha requires some files and
 * imports others): it lives on globalThis under a registered symbol.
 */
const REGISTRY = Symbol.for('iec62443-harness.protocols');
type RegistryHolder = { [REGISTRY]?: readonly ProtocolDefinition[] };
const holder = globalThis as RegistryHolder;

/** Called once the definitions are discovered; later calls replace the list (tests add definitions from temporary folders). */
export function registerProtocols(definitions: readonly ProtocolDefinition[]): void {
  const seen = new Map<string, string>();
  for (const definition of definitions) {
    for (const protocol of Object.keys(definition.checkProtocols)) {
      const other = seen.get(protocol);
      if (other) throw new Error(`check protocol "${protocol}" is defined twice: by ${other} and by ${definition.name}`);
      seen.set(protocol, definition.name);
    }
  }
  holder[REGISTRY] = definitions;
}

export function protocolDefinitions(): readonly ProtocolDefinition[] {
  const registered = holder[REGISTRY];
  if (!registered) throw new Error('no protocol definitions are registered: load them first (loadProtocols() in harness/protocols.ts)');
  return registered;
}

export function protocolsRegistered(): boolean {
  return holder[REGISTRY] !== undefined;
}

/** The definition that owns a check protocol ("modbus-tls" → the Modbus definition). */
export function definitionOfCheckProtocol(protocol: string): ProtocolDefinition | undefined {
  return protocolDefinitions().find((definition) => protocol in definition.checkProtocols);
}

export function definitionOfKind(kind: string): ProtocolDefinition | undefined {
  return protocolDefinitions().find((definition) => definition.name === kind || definition.services?.includes(kind));
}

/** Every definition's preflight problems for this profile, in definition order. */
export async function preflightProblems(profile: Profile): Promise<ProfileProblem[]> {
  const problems: ProfileProblem[] = [];
  for (const definition of protocolDefinitions()) if (definition.preflight) problems.push(...(await definition.preflight(profile)));
  return problems;
}

/** Every interface the profile declares, in definition order. */
export function componentInterfaces(profile: Profile): ComponentInterface[] {
  return protocolDefinitions().flatMap((definition) => definition.interfaces(profile));
}

/** Ports the profile says the component serves on purpose: openPorts plus every port of a declared interface (TCP and UDP alike). */
export function declaredPorts(profile: Profile): number[] {
  const ports = new Set<number>(profile.openPorts);
  for (const entry of componentInterfaces(profile)) for (const { port } of entry.ports) ports.add(port);
  return [...ports].sort((a, b) => a - b);
}

/**
 * The declared ports that should accept TCP connections: openPorts (which name no transport) and the TCP ports of the
 * declared interfaces. A component whose interfaces are all UDP (an SNMP agent) has none beyond openPorts.
 */
export function declaredTcpPorts(profile: Profile): number[] {
  const ports = new Set<number>(profile.openPorts);
  for (const entry of componentInterfaces(profile)) for (const { port, transport } of entry.ports) if (transport === 'tcp') ports.add(port);
  return [...ports].sort((a, b) => a - b);
}

/** The requirements a service found by a scan answers for: its protocol's, when a definition claims it, else the common set. */
export function concernsOfService(service: string): readonly string[] {
  return definitionOfKind(service)?.concerns ?? INTERFACE_CONCERNS;
}

/** Does a concern list cover this catalog item? A base id covers its enhancements. */
export function concernsRequirement(concerns: readonly string[], id: string, base: string): boolean {
  return concerns.includes(id) || concerns.includes(base);
}
