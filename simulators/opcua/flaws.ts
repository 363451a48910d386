/**
 * The simulated PLC's mistakes, one at a time. The weak PLC makes every one of them; a `weak-<flaw>` PLC makes only
 * that one and is hardened otherwise, so each check can be shown to catch its own flaw and nothing else.
 */
export const PLC_FLAWS = {
  anonymous: 'accepts anonymous sessions, and lets them write what an operator writes',
  'default-credentials': 'ships its accounts with factory-default passwords (admin/admin, operator/operator, viewer/viewer, test/test)',
  'shared-account': 'keeps an undocumented shared shift account ("shift", password "shift") beside the personal ones',
  'untrusted-clients': 'accepts every client application certificate, whoever issued it and whenever it expires',
  'sha1-certificate': 'presents an application certificate signed with SHA-1',
  'login-feedback': 'answers an unknown user name with another status than a wrong password',
  'no-lockout': 'never locks an account, however many logins fail, whatever its documentation says',
  'flat-roles': "gives every account the admin's roles",
  'device-identity-admin': "gives X509 user identities (devices, software) the admin's roles",
  'long-sessions': 'revises every requested session timeout to 50 minutes, whatever its documentation says',
  'sessions-per-user': 'lets one user hold any number of sessions at once',
  'cleartext-password': 'takes UserName passwords without encryption on its endpoints that do not encrypt',
  'deprecated-policies': 'offers the deprecated Basic128Rsa15 and Basic256 policies',
  'none-endpoint': 'offers an endpoint without security (None) that serves sessions',
  'signature-blind': 'does not check the signatures of Sign-mode messages',
  'session-binding': "honours a session's authentication token on any secure channel",
  'fixed-nonce': 'gives every session the same server nonce',
  'leaky-errors': "answers errors with the firmware's exceptions, file paths and stack traces",
  'no-audit': 'does not audit (Server.Auditing false, no audit events)',
  'clock-offset': 'runs its clock 37 minutes ahead',
  'no-diagnostics': 'keeps its diagnostics counters switched off',
  'empty-build-info': 'reports BuildInfo with manufacturer, software version and build number empty',
  'slow-connections': 'spends 10 ms of CPU on every new connection and serves nothing else meanwhile',
  'no-session-cap': 'holds any number of sessions, whatever its documentation says',
  'zero-buffer-crash': 'crashes on a Hello that announces a receive buffer of 0 bytes, and its watchdog restarts it after 2 s',
  'lenient-decoding': 'ignores requests it cannot decode, stores arrays in scalar variables and setpoints outside their range',
} as const;

export type PlcFlaw = keyof typeof PLC_FLAWS;
export const FLAW_NAMES = Object.keys(PLC_FLAWS) as PlcFlaw[];

/** hardened, weak, and one weak-<flaw> per flaw. */
export const PLC_PROFILES: readonly string[] = ['hardened', 'weak', ...FLAW_NAMES.map((flaw) => `weak-${flaw}`)];

/** The flaws a profile name stands for; undefined for a name that is none of PLC_PROFILES. */
export function flawsOf(profile: string): ReadonlySet<PlcFlaw> | undefined {
  if (profile === 'hardened') return new Set();
  if (profile === 'weak') return new Set(FLAW_NAMES);
  const flaw = profile.replace(/^weak-/, '') as PlcFlaw;
  return profile.startsWith('weak-') && flaw in PLC_FLAWS ? new Set([flaw]) : undefined;
}
