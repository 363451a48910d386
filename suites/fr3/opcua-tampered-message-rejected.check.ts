import { defineCheck, fail, pass } from '../../core/check.js';
import { OpcuaProbe, type ChannelOptions, type OpcuaSession } from '../../adapters/opcua/client.js';
import { OpcuaTimeoutError, OpcuaUnreachableError, pause } from '../../adapters/opcua/deadline.js';
import { mayWrite, writePermissionFor } from '../../adapters/opcua/authorization.js';
import { stableWritableVariable } from '../../adapters/opcua/subjects.js';
import { flipMiddleByte, flippedValue, flipVariantValue, TamperProxy } from '../../adapters/opcua/mitm.js';
import { SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, rankEndpoint, userIdentity } from '../../adapters/opcua/target.js';
import type { Identity, StatusValue } from '../../adapters/opcua/types.js';

type Answer = { kind: 'status'; status: StatusValue } | { kind: 'closed'; detail: string } | { kind: 'silence'; detail: string };

/** The innermost reason of an adapter error ("...went away (socket has been disconnected)" gives the part in brackets). */
const cause = (message: string) => /\(([^()]*)\)\s*$/.exec(message)?.[1] ?? message;

const describeAnswer = (answer: Answer) => (answer.kind === 'status' ? `answered ${formatStatus(answer.status)}` : answer.kind === 'closed' ? `closed the channel (${answer.detail})` : `did not answer (${answer.detail})`);

/** Long enough for the clean Read and the altered request, which follow each other at once. */
const RELAYED_SESSION_TIMEOUT_MS = 5_000;

export default defineCheck({
  id: 'opcua.integrity.tampered-message-rejected',
  requirement: 'CR 3.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA rejects a signed message altered in transit',
  expectation:
    'When a relay between client and device flips bits of a signed request after the secure channel is open, the device rejects it (closes the channel, answers a Bad status or discards it) and never acts on it: a Write altered this way leaves the value unchanged, as a clean session reads it back (a Write of a variable\'s own value is sent only where writeProbes name it or the run is disruptive, a Read otherwise)',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const permission = writePermissionFor(ctx);
    let proxy: TamperProxy | undefined;
    try {
      const inventory = await target.inventory();
      // Sign first: its body travels in clear, so the change can be placed exactly on the written value.
      const signed = inventory.endpoints
        .filter((endpoint) => endpoint.securityMode !== 'None' && endpoint.securityPolicy !== 'None' && Number.isFinite(rankEndpoint(endpoint)))
        .sort((a, b) => (a.securityMode === b.securityMode ? rankEndpoint(a) - rankEndpoint(b) : a.securityMode === 'Sign' ? -1 : 1));
      if (signed.length === 0) {
        return fail(`no endpoint signs its messages (offered: ${inventory.endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`).join(', ') || 'none'}), so a message altered in transit cannot be detected`, {});
      }
      const channel: ChannelOptions = { securityPolicy: signed[0]!.securityPolicy, securityMode: signed[0]!.securityMode };
      const account = target.account('operator', 'admin', 'viewer');
      const identity: Identity = account ? userIdentity(account) : { kind: 'anonymous' };

      const subject = await ctx.step(`find a writable numeric variable that holds its value, on a direct ${channel.securityMode}/${channel.securityPolicy} session`, () =>
        target.withSession(identity, channel, (session) => stableWritableVariable(session, ctx.signal, (nodeId) => mayWrite(permission, nodeId))),
      );

      proxy = await ctx.step('start the tampering relay on the harness side', () => TamperProxy.start(target.probe.url, { connectTimeoutMs: ctx.settings.connectTimeoutMs, signal: ctx.signal }));
      const relayed = new OpcuaProbe({ ...target.probe.options, url: proxy.url(target.probe.url) });
      ctx.log(`relay ${proxy.host}:${proxy.port} -> ${target.probe.url}`);
      const tamper = channel.securityMode === 'Sign' && subject ? flipVariantValue(subject.dataType, subject.value) : flipMiddleByte();
      const what = subject ? `Write of ${subject.nodeId} (${subject.dataType} ${subject.value}, its own value)` : `Read of ${SERVER_NODES.currentTime}`;

      const { answer, change } = await ctx.step(`${what} through the relay, with bits flipped after signing`, async () => {
        const opened = await relayed.openChannel(channel);
        try {
          // A device that drops the altered channel keeps the session (a session outlives its channel) until it times
          // out, and on a plant with a per-user session cap that would hold one of the user's sessions: ask for a short life.
          const { attempt, session } = await opened.attemptSession(identity, RELAYED_SESSION_TIMEOUT_MS);
          if (!session) throw new Error(`the session through the relay was refused (${attempt.status ? formatStatus(attempt.status) : attempt.note}), so the relay cannot be used`);
          // A clean request through the relay first: the relay itself must be transparent.
          const clean = await session.read(subject?.nodeId ?? SERVER_NODES.currentTime);
          if (!isGood(clean.status)) throw new Error(`a clean Read through the relay answered ${formatStatus(clean.status)}`);
          // The Write carries the value read earlier: it is sent only while the variable still holds it.
          if (subject && clean.value !== subject.value) throw new Error(`${subject.nodeId} moved from ${subject.value} to ${String(clean.value)} since it was found, so its earlier value is not written`);
          const armed = proxy!.armOnce(tamper);
          let answer: Answer;
          try {
            const status = subject ? await session.write(subject.nodeId, subject.dataType, subject.value) : (await session.read(SERVER_NODES.currentTime)).status;
            answer = { kind: 'status', status };
          } catch (error) {
            if (error instanceof OpcuaUnreachableError) answer = { kind: 'closed', detail: cause(error.message) };
            else if (error instanceof OpcuaTimeoutError && !ctx.signal.aborted) answer = { kind: 'silence', detail: cause(error.message) };
            else throw error;
          }
          const record = await Promise.race([armed, pause(1_000, ctx.signal).then(() => undefined)]);
          if (!record) throw new Error(`the ${subject ? 'Write' : 'Read'} did not pass the relay in a form it could alter (mode ${channel.securityMode}), so nothing was tampered with`);
          await session.close();
          return { answer, change: record.change };
        } finally {
          await opened.close();
        }
      });
      ctx.log(`tampered: ${change}; the device ${describeAnswer(answer)}`);

      // The relayed session may still hold one of the user's sessions when the device dropped its channel: on a
      // per-user cap that refuses the read back until the short life asked for it has run out, so wait that long once.
      const withSessionOnceRelayedExpired = async <T>(body: (session: OpcuaSession) => Promise<T>): Promise<T> => {
        try {
          return await target.withSession(identity, channel, body);
        } catch (error) {
          if (!/BadTooManySessions/.test(String(error))) throw error;
          const waitMs = RELAYED_SESSION_TIMEOUT_MS + 2_000;
          ctx.log(`the read back was refused for too many sessions while the relayed session lives on: waiting ${waitMs} ms for it to time out`);
          await pause(waitMs, ctx.signal);
          ctx.designedWait(waitMs, 'the session left behind by the dropped relayed channel times out before the read back');
          return target.withSession(identity, channel, body);
        }
      };
      let readBack: unknown;
      let acted = false;
      if (subject) {
        const tamperedValue = channel.securityMode === 'Sign' ? flippedValue(subject.dataType, subject.value) : undefined;
        readBack = await ctx.step(`read ${subject.nodeId} back on a clean direct session`, () =>
          withSessionOnceRelayedExpired(async (session) => {
            const result = await session.read(subject.nodeId);
            if (!isGood(result.status)) throw new Error(`reading ${subject.nodeId} back answered ${formatStatus(result.status)}`);
            acted = tamperedValue !== undefined ? result.value === tamperedValue : result.value !== subject.value;
            // The process is put back as it was when the device did act on the altered value: the value read is the
            // altered one, so nothing else has changed it since.
            if (acted) await session.write(subject.nodeId, subject.dataType, subject.value);
            return result.value;
          }),
        );
      }
      const details = { channel, identity: identity.kind === 'username' ? identity.username : identity.kind, subject: subject && { nodeId: subject.nodeId, dataType: subject.dataType, value: subject.value }, change, answer, readBack, acted };
      const accepted = answer.kind === 'status' && isGood(answer.status);
      if (acted) return fail(`the device acted on a ${what} altered in transit (${change}): it ${describeAnswer(answer)} and the value read back is ${String(readBack)}; the original value was restored`, details);
      if (accepted) return fail(`the device accepted a ${what} altered in transit as valid (${change}): it ${describeAnswer(answer)}`, details);
      const kept = subject ? `; ${subject.nodeId} still reads ${String(readBack)} on a clean session` : ` (no Write: ${permission.describe})`;
      return pass(`the ${what} altered in transit on ${channel.securityMode}/${channel.securityPolicy} (${change}) was rejected: the device ${describeAnswer(answer)}${kept}`, details);
    } finally {
      await proxy?.close();
      target.attachTranscript();
    }
  },
});
