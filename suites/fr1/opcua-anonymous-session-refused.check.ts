import { defineCheck, fail, pass } from '../../core/check.js';
import { describeIdentity } from '../../adapters/opcua/client.js';
import { opcuaTarget, userIdentity } from '../../adapters/opcua/target.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import type { Identity, SessionAttempt } from '../../adapters/opcua/types.js';

const answer = (attempt: SessionAttempt) => `${attempt.status ? formatStatus(attempt.status) : attempt.note} at ${attempt.stage}`;

export default defineCheck({
  id: 'opcua.authentication.anonymous-session-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA refuses anonymous sessions',
  expectation:
    'ActivateSession with an anonymous identity token is refused by the device on a secure channel where a known identity does get a session, and no endpoint advertises anonymous access',
  timeoutMs: 60_000,
  requires: (profile) => (profile.endpoints.opcua?.anonymousAccess === 'read-only' ? 'anonymous read-only access is declared (endpoints.opcua.anonymousAccess); opcua.authentication.anonymous-read-only checks it instead' : undefined),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const inventory = await target.inventory();
      const advertising = inventory.endpoints.filter((endpoint) => endpoint.userTokens.some((token) => token.tokenType === 'Anonymous'));
      const options = await target.sessionChannel();
      const name = `${options.securityMode}/${options.securityPolicy}`;
      // A refusal of the channel itself would refuse anyone: the check needs a channel to ask the question on.
      const channel = await ctx.step(`secure channel ${name}`, () => target.probe.openChannel(options));
      try {
        // The token is sent even when no endpoint lists it: the device, not the client library, must refuse.
        const { attempt, session } = await ctx.step(`anonymous session on ${name}`, () => channel.attemptSession({ kind: 'anonymous' }));
        await session?.close();
        const account = target.knownAccount();
        const known: Identity = account ? userIdentity(account) : target.x509Identity();
        const who = account ? `${account.role} "${account.username}"` : `the ${describeIdentity(known)} of the client certificate`;
        // The positive control: a known identity gets through the same channel, so the device did reach the identity check.
        const control = await ctx.step(`positive control: ${who} on the same channel`, async () => {
          const opened = await channel.attemptSession(known);
          await opened.session?.close();
          target.recordLogin(known, opened.attempt);
          return opened.attempt;
        });
        const details = { channel: options, attempt, control, endpointsAdvertisingAnonymous: advertising.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`) };
        if (attempt.accepted) return fail(`an anonymous session was accepted on ${name}; ${advertising.length} of ${inventory.endpoints.length} endpoints advertise anonymous access`, details);
        if (!control.accepted) {
          throw new Error(`anonymous was refused (${answer(attempt)}), but so was ${who} on the same ${name} channel (${answer(control)}): the refusal does not show that anonymity was the reason`);
        }
        if (attempt.stage !== 'activateSession') throw new Error(`the anonymous attempt stopped at ${attempt.stage} (${answer(attempt)}), before any identity was looked at`);
        if (advertising.length > 0) return fail(`anonymous ActivateSession was refused (${answer(attempt)}) but ${advertising.length} endpoints still advertise anonymous access`, details);
        return pass(`anonymous ActivateSession refused with ${answer(attempt)} on ${name}, where ${who} got a session on the same channel; no endpoint advertises anonymous access`, details);
      } finally {
        await channel.close();
      }
    } finally {
      target.attachTranscript();
    }
  },
});
