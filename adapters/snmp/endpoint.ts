import { z } from 'zod';

/**
 * `endpoints.snmp` of the device profile: the SNMP agent of a component, the versions its vendor says are enabled,
 * and the credentials the harness may use (a community for v1/v2c, USM users for v3). Communities and keys are
 * secrets: `snmpSecrets` lists them so that reports and logs mask them.
 */

export const SNMP_VERSIONS = ['1', '2c', '3'] as const;
export const SNMP_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
export const SNMP_SECURITY_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;

export type SnmpVersion = (typeof SNMP_VERSIONS)[number];
export type SnmpAuthProtocol = (typeof SNMP_AUTH_PROTOCOLS)[number];
export type SnmpPrivProtocol = (typeof SNMP_PRIV_PROTOCOLS)[number];
export type SnmpSecurityLevel = (typeof SNMP_SECURITY_LEVELS)[number];

const secret = (what: string) => z.string().min(1).describe(`${what} (secret: masked in reports and logs; \${ENV} allowed)`);

export const snmpUserSchema = z
  .strictObject({
    user: z.string().min(1).describe('USM user name'),
    level: z.enum(SNMP_SECURITY_LEVELS).optional().describe('security level the user is configured for; default: the highest its keys allow'),
    authProtocol: z.enum(SNMP_AUTH_PROTOCOLS).optional().describe('authentication protocol'),
    authKey: secret('authentication pass phrase').optional(),
    privProtocol: z.enum(SNMP_PRIV_PROTOCOLS).optional().describe('privacy protocol'),
    privKey: secret('privacy pass phrase').optional(),
    role: z.enum(['admin', 'operator', 'viewer']).optional().describe('what the user may do on the device, if documented'),
  })
  .superRefine((user, ctx) => {
    if ((user.authProtocol === undefined) !== (user.authKey === undefined)) ctx.addIssue({ code: 'custom', path: ['authKey'], message: 'authProtocol and authKey go together' });
    if ((user.privProtocol === undefined) !== (user.privKey === undefined)) ctx.addIssue({ code: 'custom', path: ['privKey'], message: 'privProtocol and privKey go together' });
    if (user.privProtocol !== undefined && user.authProtocol === undefined) ctx.addIssue({ code: 'custom', path: ['privProtocol'], message: 'privacy needs authentication (authProtocol and authKey)' });
    const possible = user.privProtocol ? 'authPriv' : user.authProtocol ? 'authNoPriv' : 'noAuthNoPriv';
    if (user.level && SNMP_SECURITY_LEVELS.indexOf(user.level) > SNMP_SECURITY_LEVELS.indexOf(possible)) ctx.addIssue({ code: 'custom', path: ['level'], message: `level ${user.level} needs keys this user lacks (at most ${possible})` });
  });

export const snmpEndpointSchema = z.strictObject({
  name: z.string().min(1).optional().describe('interface name, unique in the component (default "snmp")'),
  port: z.number().int().min(1).max(65535).default(161).describe('UDP port of the agent (default 161)'),
  versions: z.array(z.enum(SNMP_VERSIONS)).min(1).describe('SNMP versions the vendor says are enabled'),
  community: secret('the v1/v2c read community configured on the device').optional(),
  users: z.array(snmpUserSchema).default([]).describe('SNMPv3 users the harness may use'),
  writeProbe: z
    .string()
    .regex(/^\d+(\.\d+)+$/, 'must be a dotted OID such as 1.3.6.1.2.1.1.4.0')
    .optional()
    .describe(`object instance the CR 2.1 write check may SET to the value it just read (disruptive runs only); default sysContact.0`),
});

export type SnmpEndpoint = z.output<typeof snmpEndpointSchema>;
export type SnmpUser = z.output<typeof snmpUserSchema>;

/** The security level a user entry stands for: its declared level, else the highest its keys allow. */
export function levelOf(user: SnmpUser): SnmpSecurityLevel {
  return user.level ?? (user.privProtocol ? 'authPriv' : user.authProtocol ? 'authNoPriv' : 'noAuthNoPriv');
}

/** Every secret of the section, for the redactor. */
export function snmpSecrets(endpoint: SnmpEndpoint | undefined): string[] {
  if (!endpoint) return [];
  return [endpoint.community, ...endpoint.users.flatMap((user) => [user.authKey, user.privKey])].filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/** What the CR 2.1 write check writes when the profile names no writeProbe. */
export const DEFAULT_WRITE_PROBE = '1.3.6.1.2.1.1.4.0';

/** `essentialFunctions[]` kind `snmp: {oid}`: a GET of one object, sampled by the CR 7.1 monitors. */
export const snmpEssentialFunctionSchema = z.strictObject({
  oid: z
    .string()
    .regex(/^\d+(\.\d+)+$/, 'must be a dotted OID such as 1.3.6.1.2.1.1.3.0')
    .describe('object instance read with GET using the profile\'s v3 user, else its community'),
});
export type SnmpEssentialFunction = z.output<typeof snmpEssentialFunctionSchema>;
