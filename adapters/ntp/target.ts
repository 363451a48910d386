import type { CheckContext } from '../../core/check.js';
import { protocolDefinitions } from '../../core/protocol.js';
import { webTarget } from '../http/target.js';
import { ntpListenAddress, type NtpEndpoint } from './endpoint.js';
import { NtpBindError, SntpServer } from './server.js';

export function ntpEndpoint(ctx: CheckContext): NtpEndpoint {
  return ctx.interface.endpoint as NtpEndpoint;
}

/** Opens the time source where the profile says, answering the device only; closed on abort. */
export async function openTimeSource(ctx: CheckContext): Promise<SntpServer> {
  const { host, port } = ntpListenAddress(ntpEndpoint(ctx));
  try {
    const server = await SntpServer.open({ host, port, acceptFrom: ctx.host, log: (line) => ctx.log(line) });
    ctx.signal.addEventListener('abort', () => void server.close(), { once: true });
    ctx.log(`time source listening on udp://${host}:${port}, answering ${ctx.host} only`);
    return server;
  } catch (error) {
    if (error instanceof NtpBindError) throw new Error(`endpoints.ntp.listen: ${error.message}`);
    throw error;
  }
}

export interface ClockReading {
  source: string;
  deviceTime: Date;
  /** Harness time halfway through the request. */
  harnessTime: Date;
  /** Resolution of the reading in ms (an HTTP Date header has whole seconds). */
  resolutionMs: number;
}

/** The device clock as its interfaces show it: the Date header of each web interface's login page. */
export async function readDeviceClocks(ctx: CheckContext): Promise<ClockReading[]> {
  const readings: ClockReading[] = [];
  const definition = protocolDefinitions().find((entry) => entry.name === 'http');
  for (const web of definition?.interfaces(ctx.profile) ?? []) {
    const target = webTarget({ ...ctx, interface: web });
    const sentAt = Date.now();
    const answer = await ctx.step(`${web.name}: read the Date header of ${target.loginPagePath}`, () => target.session().get(target.loginPagePath));
    const receivedAt = Date.now();
    const date = answer.headers.date ? new Date(answer.headers.date) : undefined;
    if (!date || Number.isNaN(date.getTime())) continue;
    readings.push({ source: `${web.name} HTTP Date header`, deviceTime: date, harnessTime: new Date((sentAt + receivedAt) / 2), resolutionMs: 1_000 });
  }
  return readings;
}
