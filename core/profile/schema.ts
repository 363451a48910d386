import { isIP } from 'node:net';
import { z } from 'zod';
import type { EndpointSections, EssentialFunction } from './endpoints.js';
import { MAX_RATE_PER_SECOND } from '../load/engine.js';

/**
 * The device profile: what the harness knows about the component under test.
 * Objects are strict so that a misspelt field is reported instead of silently ignored.
 *
 * `endpoints` and the kinds of `essentialFunctions` belong to the protocols (adapters/<name>/protocol.ts); this file
 * holds the rest, and profileSchemaFor() puts the two together (core/profile/compose.ts).
 */

export const COMPONENT_TYPES = ['embedded-device', 'host-device', 'network-device', 'software-application'] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const ACCOUNT_ROLES = ['admin', 'operator', 'viewer', 'lockout'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const DECLARED_VERDICTS = ['not-applicable', 'manual', 'compensated'] as const;

export const portSchema = z.number().int().min(1).max(65535);
export const positiveMsSchema = z.number().int().positive();

/**
 * Marks schemas made by textSchema(); the YAML loader gives them a number's source text ("3.0", not "3"). A mark on the
 * schema itself, under a registered symbol, holds even when a loader makes two instances of this module.
 */
const NUMERIC_TEXT = Symbol.for('iec62443-harness.numeric-text');

/**
 * A text field that takes a number as its text: YAML reads `firmware: 3.0` or an all-digit password as a number, and
 * refusing the profile for it helps nobody. Read from a file, the number's own spelling is kept (core/profile/load.ts).
 */
export function textSchema<T extends z.ZodType>(inner: T) {
  // Typed as the text it becomes, so code that builds profiles keeps writing strings; a parsed document may hold a number.
  const schema = z.preprocess((value: z.input<T>) => {
    const raw: unknown = value;
    return typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : raw;
  }, inner);
  Object.defineProperty(schema, NUMERIC_TEXT, { value: true });
  return schema;
}

export const takesNumberAsText = (schema: z.ZodType): boolean => (schema as unknown as Record<symbol, unknown>)[NUMERIC_TEXT] === true;

/** An interface name as endpoints, accounts and declarations use it. */
export const interfaceNameSchema = textSchema(z.string().trim().min(1));

/**
 * Why a profile's host is not one literal address or name, or undefined when it is. Every check sends traffic to this
 * one target only, so a list, a network range, a wildcard, a URL or a port would widen or blur what is tested.
 */
export function hostProblem(host: string): string | undefined {
  const text = host.trim();
  if (text === '') return 'must name the component: one IP address or host name';
  if (/[,;\s]/.test(text)) return 'must be one address or name, not a list';
  if (text.includes('://')) return 'must be an address or name, not a URL (write the port in the endpoint)';
  if (text.includes('/')) return 'must be one address, not a network range';
  if (/[*?]/.test(text)) return 'must be one address or name, not a wildcard';
  if (text.startsWith('[') || /^[^:]+:\d+$/.test(text)) return 'must be an address or name without a port or brackets (ports belong to the endpoints)';
  const family = isIP(text);
  if (family !== 0) {
    if (text === '0.0.0.0' || text === '::' || /^0+(\.0+){3}$/.test(text)) return 'must be the address of one component, not the unspecified (any) address';
    if (text === '255.255.255.255') return 'must be the address of one component, not the broadcast address';
    if (family === 4 && Number(text.split('.')[0]) >= 224) return 'must be a unicast address, not a multicast or reserved one';
    if (family === 6 && /^ff/i.test(text)) return 'must be a unicast address, not a multicast one';
    return undefined;
  }
  if (/^[\d.]+$/.test(text)) return 'is not a valid IPv4 address';
  if (text.includes(':')) return 'is not a valid IPv6 address';
  const label = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;
  if (text.length > 253 || !text.replace(/\.$/, '').split('.').every((part) => label.test(part))) return 'is not a valid host name';
  return undefined;
}

const hostSchema = z.string().superRefine((host, ctx) => {
  const problem = hostProblem(host);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const account = z.strictObject({
  role: z.enum(ACCOUNT_ROLES),
  username: textSchema(z.string().min(1)),
  password: textSchema(z.string()),
  interfaces: z
    .array(interfaceNameSchema)
    .min(1)
    .optional()
    .describe('the interfaces this account exists on (a web account need not be an OPC UA account); absent: every interface'),
});

const declaration = z.strictObject({
  verdict: z.enum(DECLARED_VERDICTS),
  rationale: textSchema(z.string().min(1)),
  evidence: textSchema(z.string()).optional(),
  interface: interfaceNameSchema.optional().describe('the interface this declaration is about; absent: the whole requirement'),
});

const scan = z.strictObject({
  ports: z
    .string()
    .regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, 'must be a list of ports and ranges such as "1-1024,4840"')
    .optional()
    .describe('TCP ports to scan; default every port, 1-65535 (the declared ones are always added)'),
  controlHost: hostSchema
    .optional()
    .describe(
      'an address on the same machine that is not the component: ports answering there too belong to the shared host, not the component; a loopback address (127.x.y.z, ::1), any other needs run --allow-control-host',
    ),
  connectTimeoutMs: positiveMsSchema.optional(),
  concurrency: z.number().int().min(1).max(1024).optional(),
});

/** interfacesAtOnce when the profile leaves it out: light enough for a device in operation, enough to overlap waits. */
export const DEFAULT_INTERFACES_AT_ONCE = 4;

/** load.ratePerSecond when the profile leaves it out. */
export const DEFAULT_LOAD_RATE_PER_SECOND = 200;

const load = z
  .strictObject({
    ratePerSecond: z
      .number()
      .positive()
      .max(MAX_RATE_PER_SECOND)
      .optional()
      .describe(`upper bound of requests or connection attempts per second; a disruptive CR 7.1 check ramps up to it in steps (default ${DEFAULT_LOAD_RATE_PER_SECOND})`),
    requiredRatePerSecond: z
      .number()
      .positive()
      .max(MAX_RATE_PER_SECOND)
      .optional()
      .describe('the load rate at which the essential functions must still hold (CR 7.1 ramp verdict); at most ratePerSecond; default: ratePerSecond'),
    durationMs: z.number().int().min(100).max(600000).optional().describe('how long a flood or storm lasts (each step of a CR 7.1 ramp)'),
    sampleIntervalMs: z.number().int().min(10).max(10000).optional().describe('essential-function monitor interval'),
    lossTolerance: z.number().min(0).max(1).optional().describe('share of monitor samples that may be lost'),
    fuzzCasesPerSecond: z.number().positive().max(100000).optional(),
  })
  .superRefine((value, ctx) => {
    const cap = value.ratePerSecond ?? DEFAULT_LOAD_RATE_PER_SECOND;
    if (value.requiredRatePerSecond !== undefined && value.requiredRatePerSecond > cap) {
      ctx.addIssue({ code: 'custom', path: ['requiredRatePerSecond'], message: `must not exceed load.ratePerSecond (${cap}/s), the highest rate the ramp reaches` });
    }
  });

const timeouts = z.strictObject({
  connectMs: positiveMsSchema.optional(),
  requestMs: positiveMsSchema.optional(),
  checkMs: positiveMsSchema.optional(),
});

/** Every field but the protocols' own; profileSchemaFor() adds endpoints and essentialFunctions. */
export const baseProfileShape = {
  component: z.strictObject({
    name: textSchema(z.string().min(1)),
    vendor: textSchema(z.string()).optional(),
    model: textSchema(z.string()).optional(),
    firmware: textSchema(z.string()).optional(),
    type: z.enum(COMPONENT_TYPES),
    wireless: z.boolean().optional().describe('the component has wireless interfaces (wireless-only requirements apply)'),
  }),
  targetSL: z.number().int().min(1).max(4),
  host: hostSchema.describe('the one address or host name of the component; every check sends traffic there only'),
  openPorts: z.array(portSchema).default([]),
  accounts: z.array(account).default([]),
  declarations: z
    .record(z.string(), z.union([declaration, z.array(declaration).min(1)]))
    .default({})
    .transform((record) => Object.fromEntries(Object.entries(record).map(([id, value]) => [id, Array.isArray(value) ? value : [value]])))
    .describe('per requirement id: one declaration, or a list of them for several interfaces; per CVE id ("CVE-2024-12345"): compensated or not-applicable for a known vulnerability'),
  disruptive: z.boolean().default(false),
  interfacesAtOnce: z
    .number()
    .int()
    .min(1)
    .max(16)
    .optional()
    .describe(
      `how many interfaces non-disruptive checks run on at the same time, one check per interface (default ${DEFAULT_INTERFACES_AT_ONCE}; 1: one check at a time); disruptive checks and those that scan the whole host always run alone`,
    ),
  advisories: z
    .string()
    .min(1)
    .optional()
    .describe('folder of CSAF 2.0 advisories (JSON) to match the component against; relative to the profile file; --advisories overrides it'),
  scan: scan.optional(),
  load: load.optional(),
  timeouts: timeouts.optional(),
  simulator: z
    .strictObject({ kind: z.string(), profile: z.string() })
    .optional()
    .describe('set by a simulator that wrote this profile about itself'),
};

const baseProfileSchema = z.strictObject(baseProfileShape);
type BaseProfile = z.output<typeof baseProfileSchema>;
type BaseProfileInput = z.input<typeof baseProfileSchema>;

/** An account whose user name or password names an environment variable that is not set: left out of the run. */
export interface UnsetAccount {
  index: number;
  role: string;
  variables: string[];
}

export type Profile = BaseProfile & {
  endpoints: EndpointSections;
  essentialFunctions: EssentialFunction[];
  /** Accounts left out because their ${VARIABLE}s are not set (a profile written by `init` before it is filled in). */
  unsetAccounts?: UnsetAccount[];
};
export type ProfileInput = BaseProfileInput & { endpoints?: EndpointSections; essentialFunctions?: EssentialFunction[] };
export type Account = z.output<typeof account>;
export type Declaration = z.output<typeof declaration>;
export type { EssentialFunction } from './endpoints.js';
