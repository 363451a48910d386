import { z } from 'zod';

/**
 * The device profile's `endpoints.http[]`: one entry per web management interface. Strict objects, so a misspelt
 * field is an error and not a silently skipped check; every field is described for the JSON Schema.
 */

const relativeOrAbsolute = z
  .string()
  .min(1)
  .refine((value) => value.startsWith('/') || /^https?:\/\//.test(value), 'must be a path starting with "/" or an http(s):// URL');

export const loginSuccessSchema = z
  .strictObject({
    status: z.number().int().min(100).max(599).optional().describe('HTTP status of the answer to a successful login (e.g. 200, 302, 303)'),
    redirectTo: z
      .string()
      .min(1)
      .optional()
      .describe('where a successful login redirects: the Location starts with this path or URL (e.g. "/status")'),
    cookie: z.string().min(1).optional().describe('name of a cookie a successful login sets (e.g. the session cookie "SID")'),
    text: z.string().min(1).optional().describe('text the answer to a successful login contains (e.g. "Logout")'),
  })
  .refine((success) => Object.values(success).some((value) => value !== undefined), 'name at least one of status, redirectTo, cookie, text')
  .describe('how a successful login shows; every sign given must hold, and a refused login must lack at least one');

const fieldName = z.string().min(1);

const formLogin = z
  .strictObject({
    kind: z.literal('form'),
    path: relativeOrAbsolute.describe('URL the login form posts to (its action), a path relative to the interface URL or an absolute URL'),
    pagePath: relativeOrAbsolute.optional().describe('page that shows the login form, fetched first for cookies and hidden fields; default: path'),
    usernameField: fieldName.default('username').describe('form field of the user name'),
    passwordField: fieldName.default('password').describe('form field of the password'),
    extraFields: z.record(z.string(), z.string()).optional().describe('further fields posted as they are (e.g. {lang: en})'),
    hiddenFields: z
      .array(fieldName)
      .optional()
      .describe('hidden inputs of the login page to copy into the post (e.g. a CSRF token field)'),
    success: loginSuccessSchema,
  })
  .describe('an HTML form posted as application/x-www-form-urlencoded');

const jsonLogin = z
  .strictObject({
    kind: z.literal('json'),
    path: relativeOrAbsolute.describe('URL of the login API, posted a JSON object'),
    usernameField: fieldName.default('username').describe('JSON member of the user name'),
    passwordField: fieldName.default('password').describe('JSON member of the password'),
    extraFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('further members sent as they are'),
    token: z
      .strictObject({
        field: fieldName.describe('member of the JSON answer holding the token; dots reach into objects ("result.token")'),
        header: fieldName.default('authorization').describe('request header that carries the token afterwards'),
        prefix: z.string().default('Bearer ').describe('text put before the token in that header'),
      })
      .optional()
      .describe('a token the API returns and later requests carry; absent when the API sets a session cookie'),
    success: loginSuccessSchema,
  })
  .describe('a login API taking a JSON object');

const basicLogin = z
  .strictObject({
    kind: z.literal('basic'),
    path: relativeOrAbsolute.optional().describe('URL that asks for the credentials; default: protectedPath'),
  })
  .describe('HTTP Basic authentication (RFC 7617)');

const digestLogin = z
  .strictObject({
    kind: z.literal('digest'),
    path: relativeOrAbsolute.optional().describe('URL that asks for the credentials; default: protectedPath'),
    algorithm: z
      .enum(['MD5', 'SHA-256'])
      .optional()
      .describe('digest algorithm to answer with; default: the strongest the device offers'),
  })
  .describe('HTTP Digest authentication (RFC 7616)');

export const httpLoginSchema = z
  .discriminatedUnion('kind', [formLogin, jsonLogin, basicLogin, digestLogin])
  .describe('how a user logs in: basic, digest, form or json');

export const adminActionSchema = z
  .strictObject({
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']).describe('method of the request'),
    path: relativeOrAbsolute.describe('URL of the action'),
    form: z.record(z.string(), z.string()).optional().describe('form fields sent with it'),
    json: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('JSON members sent with it'),
    safe: z
      .boolean()
      .describe(
        'true: performing it changes nothing that matters on the device (e.g. blinking the identification LED), so checks may send it; false: it is never sent, and CR 2.1 judges the admin page only',
      ),
  })
  .describe('an action only an admin may perform, named so that authorization can be tested without a real configuration change');

export const httpEndpointSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').describe('name of this interface, unique in the component (e.g. "web-ui"); accounts[].interfaces and declarations refer to it'),
    url: z
      .string()
      .regex(/^https?:\/\/[^/\s]+/, 'must be an http:// or https:// URL')
      .describe('base URL of the interface as a browser opens it (e.g. https://192.0.2.10/)'),
    login: httpLoginSchema,
    protectedPath: relativeOrAbsolute.describe('a page every logged-in user may see and anonymous users may not (e.g. "/status")'),
    adminPath: relativeOrAbsolute.describe('a page only an admin may see (e.g. "/settings")'),
    adminAction: adminActionSchema.optional(),
    logoutPath: relativeOrAbsolute.optional().describe('URL that ends the session (requested with POST unless it answers GET only)'),
    plainUrl: z
      .string()
      .regex(/^http:\/\/[^/\s]+/, 'must be an http:// URL')
      .optional()
      .describe('plain-HTTP address where the device also answers (it should only redirect to HTTPS); default: http://<host>/ on port 80'),
    sessionCookie: z
      .string()
      .min(1)
      .optional()
      .describe('name of the session cookie; default: login.success.cookie, else every cookie the login answer sets'),
    banner: z.string().min(1).optional().describe('the use notification the device is configured to show before login (CR 1.12)'),
    idleTimeoutS: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe('seconds after which the device ends an idle session, as documented; default bound 900 (CR 2.6)'),
    lockout: z
      .strictObject({
        threshold: z.number().int().min(1).max(100).describe('consecutive failed logins that lock an account'),
        durationS: z.number().int().min(0).max(86_400).describe('seconds an account stays locked; 0: until an admin unlocks it'),
      })
      .optional()
      .describe("the lockout the vendor documents; bounds the failed logins non-disruptive checks send through the run's ledger (threshold - 1; without it the kernel's default threshold 3, so 2)"),
  })
  .describe('a web management interface (HTTP or HTTPS)');

export type HttpEndpoint = z.output<typeof httpEndpointSchema>;
export type HttpEndpointInput = z.input<typeof httpEndpointSchema>;
export type HttpLogin = z.output<typeof httpLoginSchema>;
export type LoginSuccess = z.output<typeof loginSuccessSchema>;
export type AdminAction = z.output<typeof adminActionSchema>;

/** The essential-function kind `http`: a page the CR 7.1 monitors request, and the status it must answer with. */
export const httpEssentialFunctionSchema = z
  .strictObject({
    url: z.string().regex(/^https?:\/\/[^/\s]+/, 'must be an http:// or https:// URL').describe('URL requested anonymously with GET (e.g. a status page or a health endpoint)'),
    expectStatus: z.number().int().min(100).max(599).default(200).describe('status the answer must have; default 200'),
  })
  .describe('an HTTP request that must keep being answered');

export const httpEssentialFunctionEntrySchema = z.strictObject({
  name: z.string().min(1),
  http: httpEssentialFunctionSchema,
  maxLatencyMs: z.number().int().positive(),
});

export type HttpEssentialFunction = z.output<typeof httpEssentialFunctionSchema>;

/** Problems of an entry against the profile's host: the harness sends traffic to that host only. */
export function endpointHostProblems(endpoint: Pick<HttpEndpoint, 'url' | 'plainUrl' | 'adminAction' | 'protectedPath' | 'adminPath' | 'logoutPath'>, host: string): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const base = new URL(endpoint.url);
  const sameHost = (field: string, value: string | undefined) => {
    if (value === undefined) return;
    const url = new URL(value, base);
    if (url.hostname.replace(/^\[|\]$/g, '') !== host) problems.push({ field, message: `names host ${url.hostname}, not the profile's host ${host}` });
  };
  sameHost('url', endpoint.url);
  sameHost('plainUrl', endpoint.plainUrl);
  sameHost('protectedPath', endpoint.protectedPath);
  sameHost('adminPath', endpoint.adminPath);
  sameHost('logoutPath', endpoint.logoutPath);
  sameHost('adminAction.path', endpoint.adminAction?.path);
  return problems;
}
