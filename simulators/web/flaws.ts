import { randomBytes, randomInt } from 'node:crypto';

/**
 * The classic flaws of embedded web management interfaces. The `weak` profile has all of them; each `weak-<flaw>`
 * profile has that one flaw and is otherwise hardened, so each check can be shown to catch its own flaw and no other.
 */
export const FLAWS = {
  'http-only': 'plain HTTP only: no TLS, no redirect, no HSTS',
  'no-hsts': 'HTTPS without a Strict-Transport-Security header',
  'plain-credentials': 'the plain-HTTP port redirects pages but still takes logins and honours session cookies',
  'old-tls': 'TLS 1.0 with static-RSA suites and an expired self-signed 1024-bit SHA-1 certificate',
  'default-credentials': 'the admin account still has its factory password admin/admin',
  'shared-account': 'a shared role account operator/operator',
  'no-lockout': 'no lockout however many logins fail',
  'user-enumeration': '"unknown user" and "wrong password" are told apart, and unknown users are refused faster',
  'cookie-flags': 'the session cookie has neither HttpOnly nor Secure nor SameSite',
  'session-fixation': 'the session id from before the login (even one the client chose) stays valid after it',
  'predictable-session': 'session ids are a counter',
  'logout-keeps-session': 'logout clears the cookie in the browser but the session stays valid on the device',
  'no-idle-timeout': 'idle sessions never expire',
  'viewer-admin': 'a viewer can open the settings page and perform admin actions',
  'anonymous-leak': 'protected pages redirect anonymous users to the login page but send the page in the redirect body',
  trace: 'TRACE is answered with an echo of the request',
  'directory-listing': 'the static folder is listed',
  'sample-pages': 'the web server\'s sample pages are still installed',
  'stack-trace': 'a malformed request gives a 500 with a stack trace, file paths and versions',
  'no-banner': 'no use notification on the login page',
  'basic-auth': 'the diagnostics area accepts HTTP Basic authentication',
} as const;

export type Flaw = keyof typeof FLAWS;
export const FLAW_NAMES = Object.keys(FLAWS) as Flaw[];
export const PROFILES = ['hardened', 'weak', ...FLAW_NAMES.map((flaw) => `weak-${flaw}`)] as const;

export function flawsOf(profile: string): Set<Flaw> {
  if (profile === 'hardened') return new Set();
  if (profile === 'weak') return new Set(FLAW_NAMES);
  const flaw = profile.slice('weak-'.length) as Flaw;
  if (profile.startsWith('weak-') && flaw in FLAWS) return new Set([flaw]);
  throw new Error(`web simulator: unknown profile "${profile}" (known: ${PROFILES.join(', ')})`);
}

export type DeviceRole = 'admin' | 'operator' | 'viewer';
export type AnonymousRefusal = 'redirect' | 'unauthorized' | 'login-form';

export interface WebAccount {
  /** Role in the device profile; the lockout account is a viewer on the device. */
  profileRole: 'admin' | 'operator' | 'viewer' | 'lockout';
  role: DeviceRole;
  username: string;
  password: string;
}

/**
 * What a hardened device is configured with. Drawn anew at every start within conforming ranges, so no check can
 * lean on a constant of this simulator; the self-description states what was drawn.
 */
export interface WebParameters {
  lockoutThreshold: number;
  lockoutDurationS: number;
  idleTimeoutS: number;
  sessionCookie: string;
  usernameField: string;
  passwordField: string;
  /** How an anonymous request for a protected page is refused. */
  anonymousRefusal: AnonymousRefusal;
  /** Status of the page that tells a login failed. */
  refusalStatus: 200 | 401;
  hstsMaxAgeS: number;
  banner: string;
  accounts: WebAccount[];
}

const PERSONAL_NAMES = ['j.weber', 'm.keller', 'a.novak', 's.berg', 'l.moreau', 'k.tanaka', 'r.silva', 'e.larsen', 'p.costa', 'h.yilmaz'];
const ADMIN_NAMES = ['admin', 'plcadmin', 'a.fischer', 'sysop'];
const COOKIE_NAMES = ['SID', 'sessionid', 'PLCSESSION', 'websid'];
const FIELD_NAMES: Array<[string, string]> = [
  ['username', 'password'],
  ['user', 'pass'],
  ['login', 'pwd'],
];
const BANNERS = [
  'Authorized use only. Activity on this device is monitored and recorded.',
  'WARNING: This control system is for authorized personnel only. Use may be monitored.',
  'Access restricted to authorised users. Unauthorised access is prohibited and will be logged.',
];

const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)]!;
const strongPassword = () => randomBytes(15).toString('base64url');

function distinctNames(count: number): string[] {
  const pool = [...PERSONAL_NAMES];
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(pool.splice(randomInt(pool.length), 1)[0]!);
  return names;
}

export function drawParameters(flaws: ReadonlySet<Flaw>): WebParameters {
  const [operator, viewer, lockout] = distinctNames(3) as [string, string, string];
  const [usernameField, passwordField] = pick(FIELD_NAMES);
  const accounts: WebAccount[] = [
    flaws.has('default-credentials')
      ? { profileRole: 'admin', role: 'admin', username: 'admin', password: 'admin' }
      : { profileRole: 'admin', role: 'admin', username: pick(ADMIN_NAMES), password: strongPassword() },
    flaws.has('shared-account')
      ? { profileRole: 'operator', role: 'operator', username: 'operator', password: 'operator' }
      : { profileRole: 'operator', role: 'operator', username: operator, password: strongPassword() },
    { profileRole: 'viewer', role: 'viewer', username: viewer, password: strongPassword() },
    { profileRole: 'lockout', role: 'viewer', username: lockout, password: strongPassword() },
  ];
  return {
    lockoutThreshold: randomInt(3, 7),
    lockoutDurationS: randomInt(4, 10),
    idleTimeoutS: randomInt(4, 10),
    sessionCookie: pick(COOKIE_NAMES),
    usernameField,
    passwordField,
    anonymousRefusal: pick(['redirect', 'unauthorized', 'login-form'] as const),
    refusalStatus: pick([200, 401] as const),
    hstsMaxAgeS: randomInt(180, 731) * 86_400,
    banner: pick(BANNERS),
    accounts,
  };
}
