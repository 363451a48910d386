import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import type { OpcuaChannel, OpcuaSession, PendingSession } from '../../adapters/opcua/client.js';
import { monitoredOpcuaLoad, requiresOpcuaEssentialFunction } from '../../adapters/opcua/availability.js';
import { pause } from '../../adapters/opcua/deadline.js';
import { DIAGNOSTICS_NODES, SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, userIdentity } from '../../adapters/opcua/target.js';
import type { Identity, StatusValue } from '../../adapters/opcua/types.js';

/** Far above any embedded server's session table, low enough for the harness's own memory. */
const MAX_SESSIONS = 500;
const SESSIONS_PER_CHANNEL = 25;
/** Consecutive refusals after which the cap is taken as found. */
const REFUSALS_TO_STOP = 5;
const RELEASE_WAIT_MS = 3_000;

export default defineCheck({
  id: 'opcua.resources.session-exhaustion',
  requirement: 'CR 7.2',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'OPC UA caps sessions, and an admin session and the essential functions survive exhaustion',
  expectation:
    'A client that keeps creating sessions (CreateSession, never activated) meets a limit (BadTooManySessions or another refusal) before the harness\'s bound, while an admin session opened before keeps working and every essential function keeps its latency bound; once they are closed a new session is accepted again',
  timeoutMs: MAX_DURATION_MS + 90_000,
  requires: requiresOpcuaEssentialFunction,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const { ratePerSecond, durationMs, sampleIntervalMs, lossTolerance } = ctx.settings.load;
    const count = Math.max(1, Math.min(MAX_SESSIONS, Math.ceil((ratePerSecond * durationMs) / 1000)));
    const holdMs = Math.max(1000, 5 * sampleIntervalMs);
    const channelOptions = await target.sessionChannel();
    const account = target.account('admin');
    const adminIdentity: Identity = account ? userIdentity(account) : target.leastPrivilegedIdentity();
    const adminName = account ? `admin "${account.username}"` : 'the least privileged identity (no admin account in the profile)';

    const adminChannel = await ctx.step(`${adminName} opens a session before the exhaustion`, () => target.probe.openChannel(channelOptions));
    const channels: OpcuaChannel[] = [];
    const held: PendingSession[] = [];
    const refusals = new Map<string, number>();
    let adminSession: OpcuaSession | undefined;
    let adminDuring: StatusValue | undefined;
    let peakCount: unknown;
    let created = 0;
    let evicted = 0;
    try {
      const opened = await adminChannel.attemptSession(adminIdentity);
      if (!opened.session) throw new Error(`${adminName} was refused before any load (${opened.attempt.status ? formatStatus(opened.attempt.status) : opened.attempt.note})`);
      adminSession = opened.session;
      const sessionCount = async () => {
        const read = await adminSession!.read(DIAGNOSTICS_NODES.counters.CurrentSessionCount);
        return isGood(read.status) ? read.value : formatStatus(read.status);
      };
      const baselineCount = await sessionCount();

      let consecutive = 0;
      let current: { channel: Promise<OpcuaChannel>; used: number } | undefined;
      const enough = new AbortController();
      const refused = (reason: string) => {
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
        if (++consecutive >= REFUSALS_TO_STOP) enough.abort();
        throw new Error(reason);
      };
      const worker = async () => {
        if (!current || current.used >= SESSIONS_PER_CHANNEL) {
          const channel = target.probe.openChannel(channelOptions);
          current = { channel, used: 0 };
          channel.then((open) => channels.push(open), () => undefined);
        }
        const slot = current;
        slot.used++;
        let channel: OpcuaChannel;
        try {
          channel = await slot.channel;
        } catch (error) {
          if (slot === current) current = undefined;
          return refused(`secure channel refused (${(error as Error).message.split('\n')[0]})`);
        }
        const { attempt, pending } = await channel.createSessionOnly();
        if (!pending) return refused(`CreateSession refused with ${attempt.status ? formatStatus(attempt.status) : attempt.note}`);
        consecutive = 0;
        created++;
        held.push(pending);
      };

      const report = await ctx.step(`create up to ${count} sessions at up to ${ratePerSecond}/s within ${durationMs} ms (${SESSIONS_PER_CHANNEL} per channel), hold them ${holdMs} ms, monitoring the essential functions`, () =>
        monitoredOpcuaLoad(
          ctx,
          async (signal) => {
            try {
              const load = await runLoad({ ratePerSecond, durationMs, maxStarted: count, maxInFlight: 4, signal: AbortSignal.any([signal, enough.signal]), worker });
              await pause(holdMs, signal);
              ctx.designedWait(holdMs, 'holding the sessions created');
              adminDuring = (await adminSession!.read(SERVER_NODES.state)).status;
              peakCount = await sessionCount();
              // A server may make room by closing the oldest sessions never activated (OPC 10000-4 5.6.2): that is a cap too.
              for (let index = 0; index < held.length; index += 16) {
                const known = await Promise.all(held.slice(index, index + 16).map((session) => session.stillKnown().catch(() => false)));
                evicted += known.filter((alive) => !alive).length;
              }
              return load;
            } finally {
              await release(held, channels, ctx.signal);
            }
          },
          target,
          // Sessions are filled on purpose up to their cap: a new session refused there is the cap at work.
          { newClients: false },
        ),
      );

      const fresh = await ctx.step(`a new session after all ${created} were closed`, async () => {
        const channel = await target.probe.openChannel(channelOptions);
        try {
          const { attempt, pending } = await channel.createSessionOnly();
          await pending?.close();
          return attempt;
        } finally {
          await channel.close();
        }
      });
      let afterCount = await sessionCount();
      const begin = Date.now();
      while (typeof afterCount === 'number' && typeof baselineCount === 'number' && afterCount > baselineCount && Date.now() - begin < RELEASE_WAIT_MS) {
        await pause(250, ctx.signal);
        afterCount = await sessionCount();
      }

      const refusedTotal = [...refusals.values()].reduce((sum, value) => sum + value, 0);
      const reasons = [...refusals.entries()].map(([reason, times]) => `${times} × ${reason}`).join(', ');
      const loadLine = `${created} sessions created of ${report.load.started} attempts at ${report.load.achievedRatePerSecond}/s (planned ${ratePerSecond}/s, bound ${count}), ${refusedTotal ? `${refusedTotal} refused (${reasons})` : 'none refused'}, ${evicted} closed by the device while held; CurrentSessionCount ${String(baselineCount)} before, ${String(peakCount)} at the peak, ${String(afterCount)} after release`;
      ctx.log(loadLine);
      attachAvailabilityEvidence(ctx, report, { title: `OPC UA session exhaustion on ${target.probe.url}`, loadLine, extra: { refusals: Object.fromEntries(refusals), baselineCount, peakCount, afterCount } });
      const verdict = judgeAvailability(report, lossTolerance);
      const findings = [...verdict.findings];
      if (refusedTotal === 0 && evicted === 0) findings.unshift(`no session cap: all ${created} sessions were accepted and kept`);
      if (!adminDuring || !isGood(adminDuring)) findings.push(`${adminName} could not read ${SERVER_NODES.state} while the sessions were held (${adminDuring ? formatStatus(adminDuring) : 'no answer'})`);
      if (!fresh.accepted) findings.push(`after release a new session was refused (${fresh.status ? formatStatus(fresh.status) : fresh.note}): the sessions were not freed`);
      if (typeof afterCount === 'number' && typeof baselineCount === 'number' && afterCount > baselineCount) findings.push(`CurrentSessionCount stayed at ${afterCount} (${baselineCount} before) ${RELEASE_WAIT_MS} ms after release`);
      const details = { bound: count, created, evicted, refusals: Object.fromEntries(refusals), adminDuring, baselineCount, peakCount, afterCount, freshAfterRelease: fresh, load: report.load, probes: report.probes };
      if (findings.length > 0) return fail(`${loadLine}: ${findings.join('; ')}`, details);
      const stillHeld = created - evicted;
      return pass(`${loadLine}: capped (at most ${typeof peakCount === 'number' ? peakCount : stillHeld} at once); ${adminName} kept reading; ${verdict.summary.join('; ')}; a new session was accepted after release`, details);
    } finally {
      await release(held, channels, ctx.signal);
      await adminSession?.close();
      await adminChannel.close();
      target.attachTranscript();
    }
  },
});

/** How long polite CloseSession calls may take in all; closing the channels ends whatever is left. */
const RELEASE_BUDGET_MS = 5_000;

async function release(held: PendingSession[], channels: OpcuaChannel[], signal?: AbortSignal): Promise<void> {
  const sessions = held.splice(0);
  const until = Date.now() + RELEASE_BUDGET_MS;
  // In small groups, so the device's queue stays short; on Ctrl-C or a slow device only the channels are closed.
  for (let index = 0; index < sessions.length && !signal?.aborted && Date.now() < until; index += 16) {
    await Promise.all(sessions.slice(index, index + 16).map((session) => session.close()));
  }
  await Promise.all(channels.splice(0).map((channel) => channel.close()));
}
