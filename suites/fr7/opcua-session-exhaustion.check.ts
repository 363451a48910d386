import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import type { OpcuaChannel, OpcuaSession, PendingSession } from '../../adapters/opcua/client.js';
import { monitoredOpcuaLoad, requiresOpcuaEssentialFunction } from '../../adapters/opcua/availability.js';
import { pause } from '../../adapters/opcua/deadline.js';
import { boundUsed } from '../../adapters/opcua/endpoint.js';
import { SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, userIdentity } from '../../adapters/opcua/target.js';
import type { Identity, StatusValue } from '../../adapters/opcua/types.js';

/** Far above any embedded server's session table, low enough for the harness's own memory. */
const MAX_SESSIONS = 500;
const SESSIONS_PER_CHANNEL = 25;
/** Consecutive refusals after which the cap is taken as found. */
const REFUSALS_TO_STOP = 5;

export default defineCheck({
  id: 'opcua.resources.session-exhaustion',
  requirement: 'CR 7.2',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'OPC UA caps sessions, and an admin session and the essential functions survive exhaustion',
  expectation:
    "A client that keeps creating sessions (CreateSession, never activated) meets a limit (CreateSession refused, or sessions it holds closed by the device) at the documented cap (endpoints.opcua.maxSessions) or, without one, before the harness's bound, while an admin session opened before keeps working and every essential function keeps its latency bound; once they are closed a new session is accepted again. Decided from what the harness saw, never from the device's own counters",
  timeoutMs: MAX_DURATION_MS + 90_000,
  requires: requiresOpcuaEssentialFunction,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const { ratePerSecond, durationMs, sampleIntervalMs, lossTolerance } = ctx.settings.load;
    const documented = ctx.profile.endpoints.opcua?.maxSessions;
    // A documented cap is tried beyond (twice it, and ten more), within the harness's own memory bound.
    const planned = Math.ceil((ratePerSecond * durationMs) / 1000);
    const count = Math.max(1, Math.min(MAX_SESSIONS, documented !== undefined ? Math.max(planned, documented * 2 + 10) : planned));
    const bound = boundUsed(documented !== undefined ? `cap ${documented} sessions` : `a cap within ${count} sessions`, documented !== undefined);
    const holdMs = Math.max(1000, 5 * sampleIntervalMs);
    const channelOptions = await target.sessionChannel();
    const account = target.account('admin');
    const adminIdentity: Identity = account ? userIdentity(account) : target.leastPrivilegedIdentity();
    const adminName = account ? `admin "${account.username}"` : 'the least privileged identity (no admin account in the profile)';

    const adminChannel = await ctx.step(`${adminName} opens a session before the exhaustion`, () => target.probe.openChannel(channelOptions));
    const channels: OpcuaChannel[] = [];
    const held: PendingSession[] = [];
    const refusals = new Map<string, number>();
    let channelRefusals = 0;
    let adminSession: OpcuaSession | undefined;
    let adminDuring: StatusValue | undefined;
    let created = 0;
    let evicted = 0;
    try {
      const opened = await adminChannel.attemptSession(adminIdentity);
      target.recordLogin(adminIdentity, opened.attempt);
      if (!opened.session) throw new Error(`${adminName} was refused before any load (${opened.attempt.status ? formatStatus(opened.attempt.status) : opened.attempt.note})`);
      adminSession = opened.session;

      let consecutive = 0;
      let opening: Promise<OpcuaChannel | undefined> | undefined;
      const use = new Map<OpcuaChannel, number>();
      const enough = new AbortController();
      const refused = (reason: string) => {
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
        if (++consecutive >= REFUSALS_TO_STOP) enough.abort();
        throw new Error(reason);
      };
      // Sessions go SESSIONS_PER_CHANNEL to a channel; when the device refuses a new channel the open ones take more,
      // since a limit on connections is no limit on sessions.
      const channelForNext = async (): Promise<OpcuaChannel | undefined> => {
        const free = channels.find((channel) => (use.get(channel) ?? 0) < SESSIONS_PER_CHANNEL);
        if (free) return free;
        opening ??= target.probe.openChannel(channelOptions).then(
          (channel) => {
            channels.push(channel);
            return channel;
          },
          () => {
            channelRefusals++;
            return undefined;
          },
        );
        const fresh = await opening;
        opening = undefined;
        return fresh ?? channels.reduce<OpcuaChannel | undefined>((least, channel) => (!least || (use.get(channel) ?? 0) < (use.get(least) ?? 0) ? channel : least), undefined);
      };
      const worker = async () => {
        const channel = await channelForNext();
        if (!channel) return refused('no secure channel: the device refused every new one');
        use.set(channel, (use.get(channel) ?? 0) + 1);
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

      const sessionRefusals = [...refusals.entries()].filter(([reason]) => reason.startsWith('CreateSession'));
      const refusedSessions = sessionRefusals.reduce((sum, [, times]) => sum + times, 0);
      const reasons = [...refusals.entries()].map(([reason, times]) => `${times} × ${reason}`).join(', ');
      const heldAtOnce = created - evicted;
      const loadLine =
        `${created} sessions created of ${report.load.started} attempts at ${report.load.achievedRatePerSecond}/s (planned ${ratePerSecond}/s, harness bound ${count}), ` +
        `${refusals.size > 0 ? `refused: ${reasons}` : 'none refused'}${channelRefusals > 0 ? `, ${channelRefusals} new secure channels refused (sessions went to the open ones)` : ''}, ` +
        `${evicted} closed by the device while held, ${heldAtOnce} held at once at the end (${bound})`;
      ctx.log(loadLine);
      attachAvailabilityEvidence(ctx, report, { title: `OPC UA session exhaustion on ${target.probe.url}`, loadLine, extra: { refusals: Object.fromEntries(refusals), channelRefusals, created, evicted, heldAtOnce } });
      const verdict = judgeAvailability(report, lossTolerance);
      const findings = [...verdict.findings];
      // Only the device refusing or closing sessions shows a cap; a refused channel limits connections, not sessions.
      const capped = refusedSessions > 0 || evicted > 0;
      if (documented !== undefined && heldAtOnce > documented) findings.unshift(`${heldAtOnce} sessions were held at once, beyond the documented cap of ${documented}`);
      else if (!capped && created >= count) findings.unshift(`no session cap: all ${created} sessions were accepted and kept`);
      else if (!capped) {
        // The load ended before any limit or the bound: nothing shows whether a limit exists beyond.
        throw new Error(`${loadLine}: the load ended (${durationMs} ms at up to ${ratePerSecond}/s) after ${created} sessions, short of ${documented !== undefined ? `the documented cap of ${documented}` : `the bound of ${count}`}, and met no limit; raise load.durationMs${documented === undefined ? ' or document the cap (endpoints.opcua.maxSessions)' : ''}`);
      }
      if (!adminDuring || !isGood(adminDuring)) findings.push(`${adminName} could not read ${SERVER_NODES.state} while the sessions were held (${adminDuring ? formatStatus(adminDuring) : 'no answer'})`);
      if (!fresh.accepted) findings.push(`after release a new session was refused (${fresh.status ? formatStatus(fresh.status) : fresh.note}): the sessions were not freed`);
      const details = { bound: count, documented, created, evicted, heldAtOnce, refusals: Object.fromEntries(refusals), channelRefusals, adminDuring, freshAfterRelease: fresh, load: report.load, probes: report.probes };
      if (findings.length > 0) return fail(`${loadLine}: ${findings.join('; ')}`, details);
      const how = refusedSessions > 0 ? `CreateSession refused after ${created} were created` : `the device closed ${evicted} of the ${created} it had created`;
      return pass(`${loadLine}: capped (${how}, at most ${heldAtOnce} held at once as the harness saw it); ${adminName} kept reading; ${verdict.summary.join('; ')}; a new session was accepted after release`, details);
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
