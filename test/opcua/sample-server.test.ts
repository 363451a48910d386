import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, CheckStatus } from '../../core/check.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { FailedLoginLedger } from '../../core/safety/failed-logins.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startSampleServer, type SampleServer } from './sample-server.js';

/**
 * The OPC UA checks against a server we did not write: node-opcua's sample server as it ships (sample-server.ts).
 * Each verdict is the one its maintainers would accept for that configuration: what the configuration really leaves
 * open fails, for the reason observed; what node-opcua does right passes; what the device gives nothing to decide
 * on is not applicable.
 */

interface Expected {
  status: CheckStatus;
  reason: RegExp;
  /** Why this is the verdict the server's maintainers would give. */
  why: string;
}

const NON_DISRUPTIVE: Record<string, Expected> = {
  'opcua.authentication.anonymous-session-refused': {
    status: 'fail',
    reason: /^an anonymous session was accepted on SignAndEncrypt\/\S+; 7 of 7 endpoints advertise anonymous access/,
    why: 'node-opcua offers anonymous access unless allowAnonymous is false, and the sample leaves it on: no user is identified (CR 1.1)',
  },
  'opcua.authentication.anonymous-read-only': {
    status: 'not-applicable',
    reason: /^anonymous access is not declared read-only \(endpoints\.opcua\.anonymousAccess\)/,
    why: 'nothing declares anonymous access read-only, so the refusal check above decides',
  },
  'opcua.authorization.all-identities-bounded': {
    status: 'fail',
    reason: /^an anonymous session may write .*ns=1;s=FanSpeed/,
    why: 'variables without role permissions are writable by anyone in node-opcua, anonymous included (CR 2.1)',
  },
  'opcua.device-authentication.application-certificates': {
    status: 'fail',
    reason: /^a client application with an untrusted self-signed certificate got a session/,
    why: 'the sample accepts every unknown client certificate (automaticallyAcceptUnknownCertificate): any application gets in (CR 1.2)',
  },
  'opcua.public-key.client-certificate-validation': {
    status: 'fail',
    reason: /^1 of 6 invalid client certificates got a session \(expired: BadCertificateTimeInvalid, not-yet-valid: BadCertificateTimeInvalid, wrong-uri: BadCertificateUriInvalid, revoked: Bad\w+, self-signed: ACCEPTED, unknown-ca: Bad\w+\)/,
    why: 'node-opcua validates dates, URI, revocation and chain; only the unknown self-signed one gets in, by the same configuration (CR 1.8)',
  },
  'opcua.authenticator-feedback.uniform-refusal': {
    status: 'pass',
    reason: /^both refused at ActivateSession with BadUserAccessDenied \(0x801f0000\), where operator "user2" logs in on the same \S+ channel before and after/,
    why: 'unknown user and wrong password get the same status',
  },
  'opcua.authenticators.default-credentials-refused': {
    status: 'pass',
    reason: /^all \d+ factory-default pairs tried were refused: \d+ refused by the token check \(BadUserAccessDenied\), while operator "user2" logged in on the same \S+ channel; \d+ skipped for the failed-login budget \(budget 2 failures in a row per account, lockout threshold 3, the default/,
    why: 'its only accounts have their own passwords; the refusals reached the token check, as the operator login on the same channel shows',
  },
  'opcua.authentication.shared-accounts-refused': {
    status: 'pass',
    reason: /^all \d+ shared-account logins tried were refused: \d+ refused by the token check \(BadUserAccessDenied\), while operator "user2" logged in on the same/,
    why: 'no shared account exists',
  },
  'opcua.public-key.server-certificate-strength': {
    status: 'pass',
    reason: /^1 endpoint certificate: RSA 2048 bits, sha256WithRSAEncryption/,
    why: 'node-opcua creates RSA 2048 / SHA-256 certificates',
  },
  'opcua.session.concurrent-per-user-capped': {
    status: 'fail',
    reason: /^12 concurrent sessions for user "user2" were all accepted \(a refusal before 12, the default\)/,
    why: 'node-opcua caps sessions per server (500 here), not per user; target SL 3 asks for a per-user limit (CR 2.7)',
  },
  'opcua.authorization.role-permission-mapping': {
    status: 'not-applicable',
    reason: /^the profile names no viewer account \(accounts\[\]\.role\)/,
    why: 'the sample has an admin and an operator, no viewer: nothing to compare',
  },
  'opcua.authorization.viewer-cannot-write': {
    status: 'not-applicable',
    reason: /^the profile names no viewer account \(accounts\[\]\.role\)/,
    why: 'the same: no viewer to try',
  },
  'opcua.audit.security-events': {
    status: 'fail',
    reason: /^Server\.Auditing = false; no audit event with Status false within \d+ ms for the failed login as unknown user "iec62443-nobody-[0-9a-f]+".*; a refused write was not provoked: nothing written \(no writeProbes in the profile, run not disruptive\)/,
    why: 'the sample runs with isAuditing false: a failed login leaves no audit record (CR 2.8)',
  },
  'opcua.timestamps.server-time': {
    status: 'pass',
    reason: /^ServerStatus\.CurrentTime \S+ is [+-]\d+\.\d+ s off the harness clock/,
    why: 'same host clock',
  },
  'opcua.session.idle-timeout': {
    status: 'fail',
    reason: /^the device revised the requested 86400000 ms session timeout to 3000000 ms \(50 min\), above the bound \(idle bound 15 min, the default\)/,
    why: 'node-opcua fixes its longest session timeout at 50 minutes, not configurable; nothing documents a longer bound than the default 15 minutes (CR 2.6)',
  },
  'opcua.error-handling.no-internal-details': {
    status: 'pass',
    reason: /^\d+ provoked errors answered with \d+ diagnostic texts, none with internal details .*; no write sent \(run not disruptive\)/,
    why: 'status codes without stack traces or paths',
  },
  'opcua.session.integrity': {
    status: 'pass',
    reason: /^token on another channel: refused it with BadSecureChannelIdInvalid .*; token after CloseSession: refused it with BadSessionIdInvalid .*all ids, tokens and nonces distinct, nonces of 32 bytes or more/,
    why: 'sessions are bound to their channel and nonces are fresh',
  },
  'opcua.integrity.signed-endpoints-only': {
    status: 'fail',
    reason: /^1 of 7 endpoints carry messages without integrity protection \(None\/None\)/,
    why: 'node-opcua offers a None endpoint by default and the sample keeps it: reads and writes on it can be altered in transit (CR 3.1)',
  },
  'opcua.integrity.tampered-message-rejected': {
    status: 'pass',
    reason: /^the Read of i=2258 altered in transit on Sign\/\S+ .* was rejected: the device closed the channel .*\(no Write: nothing written \(no writeProbes in the profile, run not disruptive\)\)/,
    why: 'signatures are checked',
  },
  'opcua.confidentiality.no-cleartext-credentials': {
    status: 'pass',
    reason: /^no UserName policy sends passwords in clear; SignAndEncrypt offered/,
    why: 'even on the None endpoint the UserName token is encrypted with a security policy',
  },
  'opcua.cryptography.no-deprecated-policies': {
    status: 'pass',
    reason: /^offered policies: None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss \(note: Basic256Sha256 is acceptable today/,
    why: 'no deprecated policy; None is judged by the integrity check, not here',
  },
  'opcua.monitoring.diagnostics-counters': {
    status: 'pass',
    reason: /^after 3 rejected logins: SecurityRejectedSessionCount \d+ → \d+, RejectedSessionCount \d+ → \d+ \(EnabledFlag true\)/,
    why: 'node-opcua counts rejected sessions',
  },
  'opcua.inventory.build-info': {
    status: 'pass',
    reason: /^BuildInfo identifies the server: .*ProductName="NodeOPCUA-Server".*; differs from the profile, to review: ManufacturerName .* vs declared vendor "Sterfive"/,
    why: 'BuildInfo is complete; the manufacturer name differing from the declared vendor is for a human to review, not a flaw',
  },
};

const DISRUPTIVE: Record<string, Expected> = {
  'opcua.login-attempts.lockout': {
    status: 'fail',
    reason: /^the correct password was accepted at once after up to 10 consecutive failed logins \(\d+ failures in all\): no lockout or slowdown \(a lockout within 10 failures, the default; slowed down = over \d+ ms .*, the default\)/,
    why: 'node-opcua has no lockout or slowdown of its own and the sample adds none (CR 1.11)',
  },
  'opcua.robustness.malformed-messages': {
    status: 'fail',
    reason: /cases mishandled by \S+ \(.*write values 1\/3\)/,
    why: 'a Write of an array to the scalar TriggerNode01 is answered Good and stored: acting on invalid input (CR 3.5)',
  },
  'opcua.availability.handshake-storm': {
    status: 'pass',
    reason: /^\d+ connection attempts with Hello \+ OpenSecureChannel at \d+\/s .*essential functions held up to 300\/s \(the cap; never broke\).*read the fan speed \(held session\) at 300\/s: p99 /,
    why: 'the fan speed stays readable through the storm',
  },
  'opcua.availability.handshake-storm-managed': {
    status: 'pass',
    reason: /every attempt answered or refused within 500 ms \(answer bound 500 ms, the default\)/,
    why: 'every attempt is answered in time',
  },
  'opcua.resources.session-exhaustion': {
    status: 'error',
    reason: /^\d+ sessions created of \d+ attempts .*none refused, 0 closed by the device while held, .*: the load ended \(500 ms at up to 300\/s\) after \d+ sessions, short of the bound of \d+, and met no limit; raise load\.durationMs or document the cap \(endpoints\.opcua\.maxSessions\)/,
    why: 'a short load meets neither the cap of 500 nor the bound: nothing is shown either way, so no verdict',
  },
};

/** A bounded load, as in availability-both-ways.test.ts; short enough that the sample's cap of 500 sessions is out of reach. */
const SHORT_LOAD = {
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 2_000,
  load: { ratePerSecond: 300, durationMs: 500, sampleIntervalMs: 100, lossTolerance: 0.1, fuzzCasesPerSecond: 500 },
};

describe('OPC UA checks against a server we did not write (node-opcua sample server)', function () {
  this.timeout(300_000);
  let sample: SampleServer;
  let workDir: string;

  before(async function () {
    workDir = mkdtempSync(join(tmpdir(), 'opcua-sample-'));
    sample = await startSampleServer(randomLoopbackHost(), workDir);
  });
  after(async function () {
    await sample?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const seen = (results: CheckResult[]) => results.map((result) => `${result.checkId}: ${result.status} ${result.observed ?? result.message ?? ''}`).join('\n');

  function expectVerdicts(results: CheckResult[], expected: Record<string, Expected>): void {
    expect(results.map((result) => result.checkId).sort(), `the checks run are the ones judged here:\n${seen(results)}`).to.deep.equal(Object.keys(expected).sort());
    for (const result of results) {
      const { status, reason, why } = expected[result.checkId]!;
      const line = `${result.checkId} (${why}): ${result.status} ${result.observed ?? result.message ?? ''}`;
      expect(result.status, line).to.equal(status);
      expect(result.observed ?? result.message, line).to.match(reason);
    }
  }

  it('without --disruptive: the verdicts its maintainers would give, nothing written, failed logins within the default budget', async function () {
    const checks = (await discoverChecks()).filter(({ check }) => check.protocol === 'opcua' && !check.disruptive);
    const profile = parseProfile(sample.profile, 'node-opcua sample server');
    const ledger = new FailedLoginLedger();
    const results: CheckResult[] = [];
    for (const { check } of checks) results.push(await executeCheck(check, profile, { disruptive: false, logins: ledger }));
    expectVerdicts(results, NON_DISRUPTIVE);
    expect(sample.writeRequests(), 'Write requests the sample server received').to.equal(0);
    const received = [...sample.failedLogins.entries()].filter(([, entry]) => entry.failed > 0);
    expect(received.length, 'failed logins sent at all').to.be.greaterThan(0);
    for (const [username, entry] of received) {
      expect(entry.mostInARow, `${username}: failed logins in a row (default budget 2)`).to.be.at.most(2);
      expect(ledger.report().find((row) => row.username === username)?.sent, `${username}: failed logins counted in the run's report`).to.equal(entry.failed);
    }
  });

  it('with --disruptive: no lockout, an array stored in a scalar, storms weathered, and a short session load that decides nothing', async function () {
    const checks = (await discoverChecks()).filter(({ check }) => check.protocol === 'opcua' && check.disruptive);
    const profile = parseProfile(sample.profile, 'node-opcua sample server');
    const results: CheckResult[] = [];
    for (const { check } of checks) results.push(await executeCheck(check, profile, { disruptive: true, settings: SHORT_LOAD }));
    expectVerdicts(results, DISRUPTIVE);
    const fuzz = results.find((result) => result.checkId === 'opcua.robustness.malformed-messages')!;
    const wrongWrites = (fuzz.details as { wrong: Array<{ id: string; observed: string }> }).wrong.filter((entry) => entry.id.startsWith('write.'));
    expect(wrongWrites).to.deep.equal([{ ...wrongWrites[0], id: 'write.array-to-scalar', observed: 'Write answered Good (0x00000000)' }]);
  });
});
