import { z } from 'zod';
import { interfaceNameSchema, positiveMsSchema } from '../../core/profile/schema.js';
import { DEFAULT_LOCKOUT_THRESHOLD } from '../../core/safety/failed-logins.js';

/** The bounds the OPC UA checks use where the profile documents none; each verdict prints the bound it used. */
export const DEFAULT_OPCUA_BOUNDS = {
  /** CR 2.6: the longest idle session accepted, 15 minutes. */
  idleTimeoutS: 15 * 60,
  /** CR 1.11: consecutive failures tried before concluding there is no lockout. */
  lockoutSearch: 10,
  /** CR 1.11: how long a lockout is watched for its release. */
  lockoutWatchS: 60,
  /** CR 1.11: a correct login this many times slower than before the failures, and at least slowdownMinMs, is slowed down. */
  slowdownFactor: 5,
  slowdownMinMs: 1_000,
  /** CR 2.7: sessions opened for one user before concluding there is no cap. */
  sessionsPerUser: 12,
} as const;

/** endpoints.opcua: the component's OPC UA server. */
export const opcuaEndpointSchema = z.strictObject({
  name: interfaceNameSchema.optional().describe('interface name in the report, declarations and accounts (default "opcua")'),
  url: z.string().regex(/^opc\.tcp:\/\/[^/\s]+/, 'must be an opc.tcp:// URL'),
  clientCertificate: z.string().optional().describe('PEM or DER file of the application certificate the device trusts'),
  clientPrivateKey: z.string().optional().describe('PEM file of the private key belonging to clientCertificate'),
  pkiDir: z.string().optional().describe("folder for the harness's own persistent client certificate"),
  applicationUri: z.string().optional().describe('application URI of the harness client certificate'),
  discoveryOnlyNone: z.boolean().optional().describe('the None endpoint is declared for discovery only (CR 3.1)'),
  anonymousAccess: z
    .enum(['none', 'read-only'])
    .optional()
    .describe('none (default): anonymous sessions must be refused; read-only: they may read but must not write (CR 1.1)'),
  writeProbes: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'node ids of variables the vendor declares safe to write with their own current value; without them (and without --disruptive) no OPC UA check writes, and write permissions are judged from UserAccessLevel',
    ),
  idleTimeoutS: z
    .number()
    .positive()
    .optional()
    .describe(`longest time in seconds the vendor documents for a session to stay open without traffic (CR 2.6); default ${DEFAULT_OPCUA_BOUNDS.idleTimeoutS} (15 minutes)`),
  lockout: z
    .strictObject({
      threshold: z
        .number()
        .int()
        .min(1)
        .max(100)
        .describe(
          `consecutive failed logins after which the vendor documents that an account is locked or slowed down (CR 1.11); also the failed-login budget of non-disruptive checks (threshold minus one); default: the lockout check looks for a lockout within ${DEFAULT_OPCUA_BOUNDS.lockoutSearch} failures and the budget assumes ${DEFAULT_LOCKOUT_THRESHOLD}`,
        ),
      durationS: z
        .number()
        .positive()
        .optional()
        .describe(`how long a lockout lasts, in seconds, as documented; default: the check watches ${DEFAULT_OPCUA_BOUNDS.lockoutWatchS} s for the release`),
      slowdownMs: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          `delay the device adds to a login once the threshold is reached, where it slows logins down instead of refusing them; default: a login ${DEFAULT_OPCUA_BOUNDS.slowdownFactor} times slower than before the failures and at least ${DEFAULT_OPCUA_BOUNDS.slowdownMinMs} ms counts as slowed down`,
        ),
    })
    .optional()
    .describe('the account lockout the vendor documents (CR 1.11)'),
  maxSessionsPerUser: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`concurrent sessions one user may hold, as documented (CR 2.7); default: a refusal is expected before ${DEFAULT_OPCUA_BOUNDS.sessionsPerUser} sessions`),
  maxSessions: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('concurrent sessions the server holds at most, as documented (CR 7.2); the exhaustion check tries beyond it and expects no more held at once; default: a cap is expected within the check\'s bound'),
  handshakeAnswerMs: positiveMsSchema
    .optional()
    .describe('how quickly the device answers or refuses a new connection during a connection storm (CR 7.1 RE(1)); default: the largest maxLatencyMs of the OPC UA essential functions'),
});
export type OpcuaEndpoint = z.output<typeof opcuaEndpointSchema>;

/** essentialFunctions[].opcua: a variable whose Read an operator station depends on. */
export const opcuaEssentialFunctionSchema = z.strictObject({ nodeId: z.string().min(1) });
export type OpcuaEssentialFunction = z.output<typeof opcuaEssentialFunctionSchema>;

/** A bound as the observed line prints it: its value and whether the profile documents it or the default applies. */
export const boundUsed = (text: string, documented: boolean): string => `${text}, ${documented ? 'as documented in the profile' : 'the default'}`;

/** Port of an opc.tcp:// URL (4840 when absent). */
export function opcuaPort(url: string): number {
  const match = /^opc\.tcp:\/\/(?:\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(url);
  return match?.[1] ? Number(match[1]) : 4840;
}
