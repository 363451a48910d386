import { defineCheck, fail, pass } from '../../core/check.js';
import { SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

/** How far the device clock may be from the harness clock, beyond half the round trip of the read. */
const TOLERANCE_MS = 5_000;

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(3)} s`;

export default defineCheck({
  id: 'opcua.timestamps.server-time',
  requirement: 'CR 2.11',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA time stamps are present and the server clock is right',
  expectation: `Values read with TimestampsToReturn Both carry a server time stamp, and ServerStatus.CurrentTime and those time stamps lie within ${TOLERANCE_MS / 1000} s (plus half the round trip) of the harness clock`,
  timeoutMs: 60_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      const essential = ctx.profile.essentialFunctions.flatMap((entry) => ('opcua' in entry ? [entry.opcua.nodeId] : []));
      const nodeIds = [SERVER_NODES.currentTime, ...(essential.length > 0 ? essential.slice(0, 3) : [SERVER_NODES.state])];
      const { reads, sentAt, receivedAt } = await ctx.step(`read ${nodeIds.join(', ')} with server and source time stamps`, () =>
        target.withSession(target.leastPrivilegedIdentity(), channel, async (session) => {
          const sentAt = Date.now();
          const reads = await session.readTimed(nodeIds);
          return { reads, sentAt, receivedAt: Date.now() };
        }),
      );
      const middle = (sentAt + receivedAt) / 2;
      const allowed = TOLERANCE_MS + (receivedAt - sentAt) / 2;
      const problems: string[] = [];
      const [clock, ...values] = reads;
      const currentTime = clock!.value instanceof Date ? clock!.value : undefined;
      if (!isGood(clock!.status) || !currentTime) problems.push(`ServerStatus.CurrentTime is not readable as a time (${formatStatus(clock!.status)}, ${clock!.dataType})`);
      const clockOffset = currentTime ? currentTime.getTime() - middle : undefined;
      if (clockOffset !== undefined && Math.abs(clockOffset) > allowed) problems.push(`ServerStatus.CurrentTime ${currentTime!.toISOString()} is ${signed(clockOffset)} off the harness clock (allowed ±${(allowed / 1000).toFixed(3)} s)`);
      const stamps = reads.map((read) => ({ nodeId: read.nodeId, status: read.status.name, serverTimestamp: read.serverTimestamp?.toISOString(), sourceTimestamp: read.sourceTimestamp?.toISOString(), serverOffsetMs: read.serverTimestamp ? Math.round(read.serverTimestamp.getTime() - middle) : undefined }));
      const unstamped = reads.filter((read) => isGood(read.status) && !read.serverTimestamp);
      if (unstamped.length > 0) problems.push(`no server time stamp on ${unstamped.map((read) => read.nodeId).join(', ')}`);
      const skewed = stamps.filter((stamp) => stamp.serverOffsetMs !== undefined && Math.abs(stamp.serverOffsetMs) > allowed);
      if (skewed.length > 0) problems.push(`server time stamps off the harness clock: ${skewed.map((stamp) => `${stamp.nodeId} ${signed(stamp.serverOffsetMs!)}`).join(', ')}`);
      const unreadable = values.filter((read) => !isGood(read.status));
      if (unreadable.length === values.length && values.length > 0) throw new Error(`none of ${values.map((read) => read.nodeId).join(', ')} could be read (${formatStatus(unreadable[0]!.status)}), so no time stamp could be judged`);
      ctx.attach({ name: 'Time stamps against the harness clock', contentType: 'application/json', extension: 'json', content: JSON.stringify({ harnessSentAt: new Date(sentAt).toISOString(), harnessReceivedAt: new Date(receivedAt).toISOString(), currentTime: currentTime?.toISOString(), clockOffsetMs: clockOffset === undefined ? undefined : Math.round(clockOffset), stamps }, null, 2) });
      const details = { toleranceMs: TOLERANCE_MS, roundTripMs: receivedAt - sentAt, clockOffsetMs: clockOffset === undefined ? undefined : Math.round(clockOffset), stamps };
      if (problems.length > 0) return fail(problems.join('; '), details);
      const worst = Math.max(...stamps.map((stamp) => Math.abs(stamp.serverOffsetMs ?? 0)));
      return pass(`ServerStatus.CurrentTime ${currentTime!.toISOString()} is ${signed(clockOffset!)} off the harness clock (round trip ${receivedAt - sentAt} ms); ${reads.length} values carry server time stamps, at most ${(worst / 1000).toFixed(3)} s off`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
