import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { FLAW_NAMES } from '../../simulators/web/index.js';
import { startSimulator } from '../support/both-ways.js';

/**
 * Each check catches its own flaw and no other: every web check (and the TLS analysis that attaches to the HTTPS
 * interface) runs against every single-flaw variant, and exactly the checks meant for that flaw fail. The two checks
 * that wait by design (lockout release, idle timeout) are proven by their own both-ways tests instead.
 */

const SLOW = new Set(['http.login-attempts.lockout', 'http.session.idle-timeout']);

const EXPECTED_FAILURES: Record<string, string[]> = {
  hardened: [],
  'weak-http-only': ['http.transport.https-enforced', 'http.transport.no-plaintext-credentials'],
  'weak-no-hsts': ['http.transport.https-enforced'],
  'weak-plain-credentials': ['http.transport.no-plaintext-credentials'],
  'weak-old-tls': ['tls.cryptography.versions-and-suites'],
  'weak-default-credentials': ['http.authenticators.default-credentials-refused'],
  'weak-shared-account': ['http.accounts.shared-refused'],
  'weak-no-lockout': [],
  'weak-user-enumeration': ['http.authenticator-feedback.uniform-refusal'],
  'weak-cookie-flags': ['http.session.cookie-flags'],
  'weak-session-fixation': ['http.session.rotated-at-login'],
  'weak-predictable-session': ['http.session.unpredictable-ids'],
  'weak-logout-keeps-session': ['http.session.ended-at-logout'],
  'weak-no-idle-timeout': [],
  'weak-viewer-admin': ['http.authorization.viewer-refused-admin'],
  'weak-anonymous-leak': ['http.access.anonymous-refused'],
  'weak-trace': ['http.methods.trace-refused'],
  'weak-directory-listing': ['http.content.no-directory-listing'],
  'weak-sample-pages': ['http.content.no-sample-pages'],
  'weak-stack-trace': ['http.errors.discreet'],
  'weak-no-banner': ['http.login.use-notification'],
  // The diagnostics area is not a declared interface: nothing of the self-description reaches it.
  'weak-basic-auth': [],
};

describe('web checks × single-flaw variants: each check fails on its own flaw only', function () {
  this.timeout(120_000);

  it('names every flaw of the simulator', function () {
    expect(Object.keys(EXPECTED_FAILURES).sort()).to.deep.equal(['hardened', ...FLAW_NAMES.map((flaw) => `weak-${flaw}`)].sort());
  });

  for (const [variant, expected] of Object.entries(EXPECTED_FAILURES)) {
    it(`${variant}: ${expected.length === 0 ? 'no check fails' : expected.join(', ')} fail(s)`, async function () {
      const checks = (await discoverChecks()).map((entry) => entry.check).filter((check) => (check.protocol === 'http' && !SLOW.has(check.id)) || check.id === 'tls.cryptography.versions-and-suites');
      const simulator = await startSimulator('web', variant);
      try {
        const profile = parseProfile(simulator.running.profile, `web/${variant}`);
        const outcomes: Record<string, string> = {};
        for (const check of checks) {
          const result = await executeCheck(check, profile, { disruptive: false });
          outcomes[check.id] = `${result.status}: ${result.observed ?? result.message ?? ''}`;
        }
        const failing = Object.keys(outcomes).filter((id) => outcomes[id]!.startsWith('fail'));
        const broken = Object.entries(outcomes).filter(([, outcome]) => outcome.startsWith('error'));
        expect(broken, 'no check may end in error').to.deep.equal([]);
        expect(failing.sort(), JSON.stringify(outcomes, null, 1)).to.deep.equal([...expected].sort());
      } finally {
        await simulator.cleanup();
      }
    });
  }
});
