import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import type { CheckContext } from '../../core/check.js';
import { csvField } from '../../core/evidence/csv.js';
import type { TlsService } from './endpoint.js';
import { componentInterfaces, type ComponentInterface } from '../../core/protocol.js';
import { componentScanKey, scanComponentPorts, scanScope, scanSummary } from '../tcp/scope.js';
import { analyseTls, suitesCsv, type TlsAnalysis } from './analyse.js';
import { certificatesOfPem } from '../pki/inspect.js';
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

/**
 * The trust anchors the profile names for a TLS service (caCertificate), or undefined when it names none. A file that
 * cannot be read or holds no certificate is an error of the profile, named by its field.
 */
export function trustAnchorsOf(service: TlsService, interfaceIndex?: number): X509Certificate[] | undefined {
  if (!service.caCertificate) return undefined;
  const field = `endpoints.tls${interfaceIndex === undefined ? '[]' : `[${interfaceIndex}]`}.caCertificate`;
  let pem: string;
  try {
    pem = readFileSync(service.caCertificate, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${field} ${service.caCertificate} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const anchors = certificatesOfPem(pem);
  if (anchors.length === 0) throw new Error(`${field} ${service.caCertificate} holds no PEM certificate`);
  return anchors;
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
export async function surveyTwinsOfInterfaceService(
  ctx: CheckContext,
): Promise<{ survey: CleartextSurvey; scanned: number; scanLine: string; sharedHost: number[]; findings: string[] }> {
  const services = [tlsServiceOf(ctx.interface)];
  // Every declared TLS port is known to be TLS, not a plain-text candidate.
  const tlsPorts = new Set(componentInterfaces(ctx.profile).flatMap((entry) => entry.ports.filter((port) => port.tls).map(({ port }) => port)));
  const scope = scanScope(ctx.profile, ctx.settings);
  const ports = await ctx.step(`TCP connect scan of ${ctx.host} (${scope.scanned})`, () => ctx.shared(componentScanKey(ctx.host, scope), () => scanComponentPorts(ctx.host, scope, ctx.signal)));
  const scanLine = scanSummary(scope, ports.durationMs);
  ctx.log(`scanned ${scanLine}; open: ${ports.open.join(', ') || 'none'}${ports.sharedHost.length ? `; left out as the shared host's: ${ports.sharedHost.join(', ')}` : ''}`);
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
  for (const { port, answer, name } of survey.tlsServices) rows.push(`${port},TLS,${csvField(answer.http?.statusLine ?? answer.banner ?? answer.note ?? '')},${csvField(answer.http?.server ?? '')},,${name}`);
  for (const answer of survey.candidates) {
    const twin = survey.twins.find((entry) => entry.port === answer.port);
    rows.push(`${answer.port},plain,${csvField(answer.http?.statusLine ?? `banner: ${answer.banner ?? answer.note ?? ''}`)},${csvField(answer.http?.server ?? '')},${csvField(answer.http?.location ?? '')},${twin?.samePage ? twin.tlsService : ''}`);
  }
  ctx.attach({ name: 'Plain-text answers beside the TLS services', contentType: 'text/csv', extension: 'csv', content: `${rows.join('\n')}\n` });

  const findings = [
    ...survey.twins.map(
      (twin) =>
        `http://${ctx.host}:${twin.port}/ answers ${twin.answer.statusLine}${twin.answer.title ? ` "${twin.answer.title}"` : ''} in plain text${twin.samePage ? `, the same page as TLS service ${twin.tlsService}` : ''} (no redirect to https://)`,
    ),
    ...survey.openDeclaredTwins.map((twin) => `declared cleartext port ${twin.port} of ${twin.tlsService} accepts plain-text connections`),
  ];
  return { survey, scanned: ports.scanned, scanLine, sharedHost: ports.sharedHost, findings };
}
