import type { CheckContext } from '../../core/check.js';
import type { TlsService } from './endpoint.js';
import { componentInterfaces, type ComponentInterface } from '../../core/protocol.js';
import { scanComponentPorts, scanScope } from '../tcp/scope.js';
import { analyseTls, suitesCsv, type TlsAnalysis } from './analyse.js';
import { surveyCleartextTwins, type CleartextSurvey } from './cleartext.js';

/** What the TLS checks share: analysing the TLS service of the interface under test, and surveying its host for plain-text twins, with evidence attached. */

export interface AnalysedService {
  service: TlsService;
  analysis: TlsAnalysis;
  /** "web-ui (127.4.5.6:8443)" */
  label: string;
}

/** The TLS service an interface offers: a declared TLS service itself, or the TLS port of another protocol's interface (an HTTPS web UI). */
export function tlsServiceOf(target: ComponentInterface): TlsService {
  if (target.kind === 'tls') return target.endpoint as TlsService;
  const port = target.ports.find((entry) => entry.tls)?.port;
  if (port === undefined) throw new Error(`${target.name} (${target.label}) serves no TLS port`);
  return { name: target.name, port };
}

export async function analyseInterfaceService(ctx: CheckContext, options: { enumerateSuites: boolean }): Promise<AnalysedService> {
  const service = tlsServiceOf(ctx.interface);
  const label = `${service.name} (${ctx.host}:${service.port})`;
  const analysis = await ctx.step(`TLS analysis of ${label}`, () =>
    analyseTls({
      host: ctx.host,
      port: service.port,
      signal: ctx.signal,
      connectTimeoutMs: ctx.settings.connectTimeoutMs,
      timeoutMs: ctx.settings.requestTimeoutMs,
      log: (line) => ctx.log(`${service.name}: ${line}`),
      enumerateSuites: options.enumerateSuites,
    }),
  );
  if (options.enumerateSuites) ctx.attach({ name: `${service.name} accepted TLS suites`, contentType: 'text/csv', extension: 'csv', content: suitesCsv(analysis) });
  if (analysis.certificates.length > 0) {
    ctx.attach({ name: `${service.name} certificate chain`, contentType: 'application/x-pem-file', extension: 'pem', content: analysis.certificates.map((facts) => facts.pem).join('') });
  }
  return { service, analysis, label };
}

/** The cleartext-twin checks' common work: find open ports on the host, then ask the plain-text ones for the page. */
export async function surveyTwinsOfInterfaceService(ctx: CheckContext): Promise<{ survey: CleartextSurvey; scanned: number; sharedHost: number[]; findings: string[] }> {
  const services = [tlsServiceOf(ctx.interface)];
  // Every declared TLS port is known to be TLS, not a plain-text candidate.
  const tlsPorts = new Set(componentInterfaces(ctx.profile).flatMap((entry) => entry.ports.filter((port) => port.tls).map(({ port }) => port)));
  const scope = scanScope(ctx.profile, ctx.settings);
  const ports = await ctx.step(`TCP connect scan of ${ctx.host} (${scope.ports.length} ports)`, () => scanComponentPorts(ctx.host, scope, ctx.signal));
  ctx.log(`open: ${ports.open.join(', ') || 'none'}${ports.sharedHost.length ? `; left out as the shared host's: ${ports.sharedHost.join(', ')}` : ''}`);
  // Ports of other declared protocols are known not to be a web page; asking them for one would only disturb them.
  const otherProtocols = new Set<number>(componentInterfaces(ctx.profile).filter((entry) => entry.kind !== 'tls').flatMap((entry) => entry.ports.map(({ port }) => port)));
  const candidatePorts = ports.open.filter((port) => !tlsPorts.has(port) && !otherProtocols.has(port));
  const survey = await ctx.step(`plain-text requests to ${candidatePorts.length} candidate port(s)`, () =>
    surveyCleartextTwins({
      host: ctx.host,
      services,
      candidatePorts,
      connectTimeoutMs: ctx.settings.connectTimeoutMs,
      timeoutMs: ctx.settings.requestTimeoutMs,
      signal: ctx.signal,
      log: ctx.log,
    }),
  );
  const rows = ['port,transport,answer,server,location,same page as'];
  for (const { port, answer, name } of survey.tlsServices) rows.push(`${port},TLS,${csvCell(answer.http?.statusLine ?? answer.banner ?? answer.note ?? '')},${csvCell(answer.http?.server ?? '')},,${name}`);
  for (const answer of survey.candidates) {
    const twin = survey.twins.find((entry) => entry.port === answer.port);
    rows.push(`${answer.port},plain,${csvCell(answer.http?.statusLine ?? `banner: ${answer.banner ?? answer.note ?? ''}`)},${csvCell(answer.http?.server ?? '')},${csvCell(answer.http?.location ?? '')},${twin?.samePage ? twin.tlsService : ''}`);
  }
  ctx.attach({ name: 'Plain-text answers beside the TLS services', contentType: 'text/csv', extension: 'csv', content: `${rows.join('\n')}\n` });

  const findings = [
    ...survey.twins.map(
      (twin) =>
        `http://${ctx.host}:${twin.port}/ answers ${twin.answer.statusLine}${twin.answer.title ? ` "${twin.answer.title}"` : ''} in plain text${twin.samePage ? `, the same page as TLS service ${twin.tlsService}` : ''} (no redirect to https://)`,
    ),
    ...survey.openDeclaredTwins.map((twin) => `declared cleartext port ${twin.port} of ${twin.tlsService} accepts plain-text connections`),
  ];
  return { survey, scanned: ports.scanned, sharedHost: ports.sharedHost, findings };
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
