import { z } from 'zod';

/**
 * `endpoints.ssh` of the device profile: the SSH service of a component and what its vendor documents about it. The
 * bounds the checks use (lockout threshold, idle timeout) come from here, with the defaults below when absent.
 */

/** Consecutive failed logins after which a device is assumed to lock an account when the profile does not say. */
export const DEFAULT_LOCKOUT_THRESHOLD = 3;
/** How long an idle session may stay open when the profile does not say (CR 2.6): the harness's default bound. */
export const DEFAULT_IDLE_TIMEOUT_S = 900;

export const sshEndpointSchema = z.strictObject({
  name: z.string().min(1).optional().describe('interface name, unique in the component (default "ssh")'),
  port: z.number().int().min(1).max(65535).describe('TCP port of the SSH server'),
  banner: z
    .string()
    .min(1)
    .optional()
    .describe('the pre-authentication banner text the device is configured to show (CR 1.12); compared after trimming white space'),
  idleTimeoutS: z
    .number()
    .int()
    .positive()
    .max(86_400)
    .optional()
    .describe(`seconds after which the device ends an idle session (CR 2.6); default bound ${DEFAULT_IDLE_TIMEOUT_S}`),
  lockout: z
    .strictObject({
      threshold: z.number().int().min(1).max(100).describe('consecutive failed logins after which the account is locked or slowed down'),
      durationS: z.number().int().positive().max(86_400).describe('seconds the account stays locked'),
    })
    .optional()
    .describe(`the documented lockout policy (CR 1.11); non-disruptive checks send at most threshold - 1 failed logins per account (default threshold ${DEFAULT_LOCKOUT_THRESHOLD})`),
});

export type SshEndpoint = z.output<typeof sshEndpointSchema>;

/** Failed logins a non-disruptive check may send to one account in a row: one fewer than the lockout threshold. */
export function failedLoginBudget(endpoint: Pick<SshEndpoint, 'lockout'>): number {
  return Math.max(0, (endpoint.lockout?.threshold ?? DEFAULT_LOCKOUT_THRESHOLD) - 1);
}
