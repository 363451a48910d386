import { defineCheck, fail, pass } from '../../core/check.js';
import { fingerprint } from '../../adapters/opcua/client.js';
import { SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';
import type { SessionIdentifiers, StatusValue } from '../../adapters/opcua/types.js';

/** Sessions opened one after the other to look for repeated ids and nonces. */
const SESSIONS = 12;
/** OPC 10000-4 5.6.2: a server nonce has at least 32 bytes. */
const MIN_NONCE_BYTES = 32;

const answered = (answer: { serviceResult: StatusValue; operation?: StatusValue }) => (isGood(answer.serviceResult) ? `answered ${formatStatus(answer.operation ?? answer.serviceResult)}` : `refused it with ${formatStatus(answer.serviceResult)}`);
const served = (answer: { serviceResult: StatusValue; operation?: StatusValue }) => isGood(answer.serviceResult) && (answer.operation === undefined || isGood(answer.operation));

function repeats(values: Array<string | undefined>): number {
  const present = values.filter((value): value is string => !!value);
  return present.length - new Set(present).size;
}

export default defineCheck({
  id: 'opcua.session.integrity',
  requirement: 'CR 3.8',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA session tokens are bound to their channel, die with the session and never repeat',
  expectation:
    "A session's authentication token is refused on another secure channel and after CloseSession, and over many sessions the session ids, authentication tokens and server nonces (at least 32 bytes) never repeat",
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const channelOptions = await target.sessionChannel();
    const identity = target.leastPrivilegedIdentity();
    const opened = [] as Array<{ close(): Promise<void> }>;
    const open = async (label: string) => {
      const channel = await ctx.step(`secure channel ${label} (${channelOptions.securityMode}/${channelOptions.securityPolicy})`, () => target.probe.openChannel(channelOptions));
      opened.push(channel);
      return channel;
    };
    try {
      const first = await open('A');
      const { attempt, session } = await first.attemptSession(identity);
      if (!session) throw new Error(`no session could be opened to test (${attempt.status ? formatStatus(attempt.status) : attempt.note})`);
      const own = await session.read(SERVER_NODES.state);
      if (!isGood(own.status)) throw new Error(`the session cannot read ${SERVER_NODES.state} itself (${formatStatus(own.status)}), so a refusal elsewhere would prove nothing`);
      const ids = session.identifiers;

      const other = await open('B');
      const foreign = await ctx.step('Read on channel B with the authentication token of the session on channel A', () => other.readWithToken(ids.token, SERVER_NODES.state));
      await session.close();
      const afterClose = await ctx.step('Read on channel A with the token of the session just closed', () => first.readWithToken(ids.token, SERVER_NODES.state));

      const third = await open('C');
      const collected: SessionIdentifiers[] = [ids];
      await ctx.step(`${SESSIONS} sessions one after the other, each closed at once`, async () => {
        for (let index = 0; index < SESSIONS; index++) {
          ctx.throwIfAborted();
          const next = await third.attemptSession(identity);
          if (!next.session) throw new Error(`session ${index + 1} of ${SESSIONS} was refused (${next.attempt.status ? formatStatus(next.attempt.status) : next.attempt.note})`);
          collected.push(next.session.identifiers);
          await next.session.close();
        }
      });

      const nonces = collected.flatMap((entry) => [entry.createNonceHex, entry.activateNonceHex]).filter((nonce): nonce is string => !!nonce);
      const table = collected.map((entry) => ({
        sessionId: entry.sessionId,
        token: fingerprint(entry.token.text),
        createNonce: entry.createNonceHex && `${fingerprint(entry.createNonceHex)} (${entry.createNonceHex.length / 2} bytes)`,
        activateNonce: entry.activateNonceHex && `${fingerprint(entry.activateNonceHex)} (${entry.activateNonceHex.length / 2} bytes)`,
      }));
      ctx.attach({ name: 'Session ids, token and nonce fingerprints (SHA-256, 12 hex digits)', contentType: 'application/json', extension: 'json', content: JSON.stringify(table, null, 2) });

      const problems: string[] = [];
      if (served(foreign)) problems.push(`another channel used the session's token and the device ${answered(foreign)}`);
      if (served(afterClose)) problems.push(`the token of a closed session was used again and the device ${answered(afterClose)}`);
      const repeatedIds = repeats(collected.map((entry) => entry.sessionId));
      const repeatedTokens = repeats(collected.map((entry) => entry.token.text));
      const repeatedNonces = repeats(nonces);
      if (repeatedIds > 0) problems.push(`${repeatedIds} session ids repeated over ${collected.length} sessions`);
      if (repeatedTokens > 0) problems.push(`${repeatedTokens} authentication tokens repeated over ${collected.length} sessions`);
      if (nonces.length === 0) problems.push('the device sent no server nonce at all');
      if (repeatedNonces > 0) problems.push(`${repeatedNonces} of ${nonces.length} server nonces were repeats`);
      const short = nonces.filter((nonce) => nonce.length / 2 < MIN_NONCE_BYTES);
      if (short.length > 0) problems.push(`${short.length} server nonces shorter than ${MIN_NONCE_BYTES} bytes (e.g. ${short[0]!.length / 2})`);

      const details = { channel: channelOptions, foreignChannel: foreign, afterClose, sessions: table, repeatedIds, repeatedTokens, repeatedNonces };
      const seen = `token on another channel: ${answered(foreign)}; token after CloseSession: ${answered(afterClose)}; ${collected.length} sessions, ${nonces.length} server nonces`;
      if (problems.length > 0) return fail(`${problems.join('; ')} (${seen})`, details);
      return pass(`${seen}: all ids, tokens and nonces distinct, nonces of ${Math.min(...nonces.map((nonce) => nonce.length / 2))} bytes or more`, details);
    } finally {
      for (const channel of opened.reverse()) await channel.close();
      target.attachTranscript();
    }
  },
});
