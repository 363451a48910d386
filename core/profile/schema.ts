import { z } from 'zod';

/**
 * The device profile: what the harness knows about the component under test.
 * Objects are strict so that a misspelt field is reported instead of silently ignored.
 */

export const COMPONENT_TYPES = ['embedded-device', 'host-device', 'network-device', 'software-application'] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const ACCOUNT_ROLES = ['admin', 'operator', 'viewer', 'lockout'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const DECLARED_VERDICTS = ['not-applicable', 'manual', 'compensated'] as const;

const port = z.number().int().min(1).max(65535);
const positiveMs = z.number().int().positive();

const opcuaEndpoint = z.strictObject({
  url: z.string().regex(/^opc\.tcp:\/\/[^/\s]+/, 'must be an opc.tcp:// URL'),
  clientCertificate: z.string().optional().describe('PEM or DER file of the application certificate the device trusts'),
  clientPrivateKey: z.string().optional().describe('PEM file of the private key belonging to clientCertificate'),
  pkiDir: z.string().optional().describe('folder for the harness\'s own persistent client certificate'),
  applicationUri: z.string().optional().describe('application URI of the harness client certificate'),
  discoveryOnlyNone: z.boolean().optional().describe('the None endpoint is declared for discovery only (CR 3.1)'),
  anonymousAccess: z
    .enum(['none', 'read-only'])
    .optional()
    .describe('none (default): anonymous sessions must be refused; read-only: they may read but must not write (CR 1.1)'),
});

const modbusEndpoint = z.strictObject({
  port,
  unitId: z.number().int().min(0).max(255).optional(),
  tls: z.boolean().optional().describe('true: Modbus/TCP Security (TLS with client certificates)'),
  clientCertificate: z.string().optional().describe('PEM client certificate carrying a Modbus role'),
  clientPrivateKey: z.string().optional(),
  caCertificate: z.string().optional().describe('PEM of the CA that signs the device certificate and trusted client certificates'),
  caPrivateKey: z.string().optional().describe('PEM key of that CA, so the harness can issue role certificates for tests'),
});

const tlsService = z.strictObject({
  name: z.string().min(1),
  port,
  cleartextPort: port.optional().describe('port of a plain-text twin of the service, if one is known'),
});

const account = z.strictObject({
  role: z.enum(ACCOUNT_ROLES),
  username: z.string().min(1),
  password: z.string(),
});

const modbusRead = z.strictObject({
  read: z.enum(['holding', 'input', 'coil', 'discrete']),
  address: z.number().int().min(0).max(65535),
  count: z.number().int().min(1).max(125).optional(),
});

const essentialFunction = z.union([
  z.strictObject({ name: z.string().min(1), modbus: modbusRead, maxLatencyMs: positiveMs }),
  z.strictObject({ name: z.string().min(1), opcua: z.strictObject({ nodeId: z.string().min(1) }), maxLatencyMs: positiveMs }),
]);

const declaration = z.strictObject({
  verdict: z.enum(DECLARED_VERDICTS),
  rationale: z.string().min(1),
  evidence: z.string().optional(),
});

const scan = z.strictObject({
  ports: z
    .string()
    .regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, 'must be a list of ports and ranges such as "1-1024,4840"')
    .optional()
    .describe('TCP ports to scan; default 1-1024 plus well-known ICS and management ports plus the declared ones'),
  controlHost: z
    .string()
    .optional()
    .describe('an address on the same machine that is not the component: ports answering there too belong to the shared host, not the component'),
  connectTimeoutMs: positiveMs.optional(),
  concurrency: z.number().int().min(1).max(1024).optional(),
});

const load = z.strictObject({
  ratePerSecond: z.number().positive().max(100000).optional().describe('upper bound of requests or connection attempts per second'),
  durationMs: z.number().int().min(100).max(600000).optional().describe('how long a flood or storm lasts'),
  sampleIntervalMs: z.number().int().min(10).max(10000).optional().describe('essential-function monitor interval'),
  lossTolerance: z.number().min(0).max(1).optional().describe('share of monitor samples that may be lost'),
  fuzzCasesPerSecond: z.number().positive().max(100000).optional(),
});

const timeouts = z.strictObject({
  connectMs: positiveMs.optional(),
  requestMs: positiveMs.optional(),
  checkMs: positiveMs.optional(),
});

export const profileSchema = z.strictObject({
  component: z.strictObject({
    name: z.string().min(1),
    vendor: z.string().optional(),
    model: z.string().optional(),
    firmware: z.string().optional(),
    type: z.enum(COMPONENT_TYPES),
    wireless: z.boolean().optional().describe('the component has wireless interfaces (wireless-only requirements apply)'),
  }),
  targetSL: z.number().int().min(1).max(4),
  host: z.string().min(1),
  endpoints: z
    .strictObject({
      opcua: opcuaEndpoint.optional(),
      modbus: modbusEndpoint.optional(),
      tls: z.array(tlsService).optional(),
    })
    .default({}),
  openPorts: z.array(port).default([]),
  accounts: z.array(account).default([]),
  essentialFunctions: z.array(essentialFunction).default([]),
  declarations: z.record(z.string(), declaration).default({}),
  disruptive: z.boolean().default(false),
  scan: scan.optional(),
  load: load.optional(),
  timeouts: timeouts.optional(),
  simulator: z
    .strictObject({ kind: z.string(), profile: z.string() })
    .optional()
    .describe('set by a simulator that wrote this profile about itself'),
});

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type Account = z.output<typeof account>;
export type EssentialFunction = z.output<typeof essentialFunction>;
export type Declaration = z.output<typeof declaration>;
export type OpcuaEndpoint = z.output<typeof opcuaEndpoint>;
export type ModbusEndpoint = z.output<typeof modbusEndpoint>;
export type TlsService = z.output<typeof tlsService>;
