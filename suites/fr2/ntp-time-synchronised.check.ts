import { defineCheck, fail, pass } from '../../core/check.js';
import { ntpEndpoint, openTimeSource, readDeviceClocks } from '../../adapters/ntp/target.js';

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s`;

export default defineCheck({
  id: 'ntp.time.synchronised',
  requirement: 'CR 2.11',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'ntp',
  disruptive: false,
  title: 'The device takes its time from the configured time source and its clock agrees with it',
  expectation:
    'The device queries the NTP server the profile names (served by the harness) within the profile\'s bound, and its clock, as its interfaces show it, agrees with the served time within the tolerance',
  timeoutMs: 11 * 60_000,
  async run(ctx) {
    const endpoint = ntpEndpoint(ctx);
    const server = await openTimeSource(ctx);
    try {
      const began = Date.now();
      const queried = await ctx.step(`wait up to ${endpoint.queryWithinS} s for the device to query its time source`, () => server.waitForQuery(endpoint.queryWithinS * 1000, ctx.signal));
      ctx.throwIfAborted();
      ctx.designedWait(Date.now() - began, "waiting for the device's next query of its time source (its poll interval)");
      const bounds = `query within ${endpoint.queryWithinS} s, clock tolerance ±${endpoint.clockToleranceS} s (profile)`;
      if (!queried) return fail(`the device sent no NTP query to ${endpoint.listen} within ${endpoint.queryWithinS} s (${server.ignored} packets from elsewhere ignored); ${bounds}`, { queries: [], ignored: server.ignored });
      const first = server.queries[0]!;
      const readings = await readDeviceClocks(ctx);
      const judged = readings.map((reading) => {
        const offsetMs = reading.deviceTime.getTime() - reading.harnessTime.getTime();
        return { ...reading, offsetMs, within: Math.abs(offsetMs) <= endpoint.clockToleranceS * 1000 + reading.resolutionMs };
      });
      const details = { queries: server.queries, readings: judged };
      const asked = `the device queried ${endpoint.listen} (NTPv${first.version}, ${server.queries.length} quer${server.queries.length === 1 ? 'y' : 'ies'})`;
      const off = judged.filter((reading) => !reading.within);
      if (off.length > 0) return fail(`${asked}, but its clock disagrees: ${off.map((reading) => `${reading.source} ${signed(reading.offsetMs)}`).join(', ')}; ${bounds}`, details);
      const clockLine = judged.length === 0 ? 'no interface shows the device clock (no web interface), so only the query is evidence' : `its clock agrees: ${judged.map((reading) => `${reading.source} ${signed(reading.offsetMs)}`).join(', ')}`;
      return pass(`${asked} and was answered with the harness clock; ${clockLine}; ${bounds}`, details);
    } finally {
      await server.close();
    }
  },
});
