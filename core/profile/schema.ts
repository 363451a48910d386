import { z } from 'zod';
import type { EndpointSections, EssentialFunction } from './endpoints.js';

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
/** An interface name as endpoints, accounts and declarations use it. */
export const interfaceNameSchema = z.string().trim().min(1);

const account = z.strictObject({
  role: z.enum(ACCOUNT_ROLES),
  username: z.string().min(1),
  password: z.string(),
  interfaces: z
    .array(interfaceNameSchema)
    .min(1)
    .optional()
    .describe('the interfaces this account exists on (a web account need not be an OPC UA account); absent: every interface'),
});

const declaration = z.strictObject({
  verdict: z.enum(DECLARED_VERDICTS),
  rationale: z.string().min(1),
  evidence: z.string().optional(),
  interface: interfaceNameSchema.optional().describe('the interface this declaration is about; absent: the whole requirement'),
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
  connectTimeoutMs: positiveMsSchema.optional(),
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
  connectMs: positiveMsSchema.optional(),
  requestMs: positiveMsSchema.optional(),
  checkMs: positiveMsSchema.optional(),
});

/** Every field but the protocols' own; profileSchemaFor() adds endpoints and essentialFunctions. */
export const baseProfileShape = {
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
  openPorts: z.array(portSchema).default([]),
  accounts: z.array(account).default([]),
  declarations: z
    .record(z.string(), z.union([declaration, z.array(declaration).min(1)]))
    .default({})
    .transform((record) => Object.fromEntries(Object.entries(record).map(([id, value]) => [id, Array.isArray(value) ? value : [value]])))
    .describe('per requirement id: one declaration, or a list of them for several interfaces'),
  disruptive: z.boolean().default(false),
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

export type Profile = BaseProfile & { endpoints: EndpointSections; essentialFunctions: EssentialFunction[] };
export type ProfileInput = BaseProfileInput & { endpoints?: EndpointSections; essentialFunctions?: EssentialFunction[] };
export type Account = z.output<typeof account>;
export type Declaration = z.output<typeof declaration>;
export type { EssentialFunction } from './endpoints.js';
