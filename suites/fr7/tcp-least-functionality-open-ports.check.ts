import { defineCheck, fail, pass } from '../../core/check.js';
import { csvField } from '../../core/evidence/csv.js';
import { componentInterfaces, declaredTcpPorts } from '../../core/protocol.js';
import { grabBanners, serviceKind, type ServiceBanner } from '../../adapters/tcp/banner.js';
import { serviceName } from '../../adapters/tcp/scan.js';
import { componentScanKey, DEFAULT_SCAN_RANGE, scanComponentPorts, scanScope, scanSummary } from '../../adapters/tcp/scope.js';
import { udpServiceScan, type UdpProbeResult } from '../../adapters/tcp/udp.js';

const configuredPorts = (configured: string | undefined) => (configured === undefined ? `every port (default ${DEFAULT_SCAN_RANGE})` : `scan.ports "${configured}"`);

export default defineCheck({
  id: 'tcp.least-functionality.open-ports',
  requirement: 'CR 7.7',
  sl: [1, 2, 3, 4],
  protocol: 'tcp',
  disruptive: false,
  title: 'Only the declared TCP ports and UDP services are open',
  expectation:
    'A TCP connect scan of every port of the host (or the ports scan.ports names) finds no open port beyond openPorts and the declared endpoints, and no common ICS or management UDP service answers unless its port is declared',
  // A host that drops instead of refusing costs a connect timeout per port: 65535 ports / 128 at once × 1 s ≈ 9 min.
  timeoutMs: 900_000,
  async run(ctx) {
    const scope = scanScope(ctx.profile, ctx.settings);
    const { declared, configured, ports, connectTimeoutMs, concurrency, controlHost } = scope;
    ctx.log(`scope: ${ports.length} TCP ports on ${ctx.host} (${configured}${declared.length ? ` + declared ${declared.join(',')}` : ''}), ${concurrency} at once, ${connectTimeoutMs} ms connect timeout`);

    // The same scan as the plain-text twin surveys': one scan of the host serves them all within a run.
    const component = await ctx.step(`TCP connect scan of ${ctx.host} (${scope.scanned})${controlHost ? `, open ports again on the control address ${controlHost}` : ''}`, () =>
      ctx.shared(componentScanKey(ctx.host, scope), () => scanComponentPorts(ctx.host, scope, ctx.signal)),
    );
    const { scan, sharedHost } = component;
    const scanned = scanSummary(scope, scan.durationMs);
    ctx.log(`scanned ${scanned}: open: ${scan.open.join(', ') || 'none'}; closed: ${scan.closed}; no answer: ${scan.filtered.length}`);
    // On a shared machine, listeners bound to every address answer on the component's address too.
    // Ports that also answer on a control address belong to the machine, not the component; the report says so.
    if (sharedHost.length) ctx.log(`also open on ${controlHost}, so attributed to the shared host and left out: ${sharedHost.join(', ')}`);

    const componentPorts = scan.open.filter((port) => !sharedHost.includes(port));
    // UDP-only interfaces (an SNMP agent) accept no TCP connection: only the declared TCP ports show the component is up.
    const declaredTcp = declaredTcpPorts(ctx.profile);
    const declaredOpen = declaredTcp.filter((port) => componentPorts.includes(port));
    if (declaredTcp.length > 0 && declaredOpen.length === 0) {
      throw new Error(`none of the declared TCP ports (${declaredTcp.join(', ')}) answered on ${ctx.host}: the component is unreachable or not running, so the scan proves nothing`);
    }
    const unexpected = componentPorts.filter((port) => !declared.includes(port));
    // Ports an interface owns are tested by its protocol's checks; any other open port is a service nothing tested.
    const owned = new Set(componentInterfaces(ctx.profile).flatMap((entry) => entry.ports.map(({ port }) => port)));
    const unowned = componentPorts.filter((port) => !owned.has(port));

    let banners: ServiceBanner[] = [];
    if (unowned.length > 0) {
      banners = await ctx.step(`service banners of ${unowned.length} open port(s) no declared interface owns`, () =>
        grabBanners(unowned, {
          host: ctx.host,
          connectTimeoutMs: ctx.settings.connectTimeoutMs,
          greetingWaitMs: Math.min(ctx.settings.requestTimeoutMs, 1_000),
          timeoutMs: Math.min(ctx.settings.requestTimeoutMs, 3_000),
          signal: ctx.signal,
        }),
      );
      for (const banner of banners) ctx.log(`${banner.port}/tcp: ${banner.service ?? 'no banner'}${banner.banner ? ` "${banner.banner}"` : ''} (${banner.note})`);
    }
    const bannerOf = (port: number) => banners.find((banner) => banner.port === port);
    for (const port of unowned) {
      const banner = bannerOf(port);
      ctx.foundInterface({ port, transport: 'tcp', service: serviceKind(banner?.service, serviceName(port)), ...(banner?.banner ? { banner: banner.banner } : {}), declared: declared.includes(port) });
    }

    const udpTimeoutMs = Math.min(ctx.settings.requestTimeoutMs, 2_000);
    let udp = await ctx.step(`UDP probes of common ICS and management services on ${ctx.host}`, () => udpServiceScan({ host: ctx.host, timeoutMs: udpTimeoutMs, signal: ctx.signal }));
    for (const result of udp) ctx.log(`${result.port}/udp ${result.service}: ${result.state}${result.answer ? ` (${result.answer})` : ''}`);
    let udpSharedHost: number[] = [];
    const answering = udp.filter((result) => result.state === 'open');
    if (controlHost && answering.length > 0) {
      const probes = answering.map((result) => result.port);
      const control = await ctx.step(`control UDP probes on ${controlHost}`, async () =>
        (await udpServiceScan({ host: controlHost, timeoutMs: udpTimeoutMs, signal: ctx.signal })).filter((result) => probes.includes(result.port)),
      );
      udpSharedHost = control.filter((result) => result.state === 'open' && !declared.includes(result.port)).map((result) => result.port);
      if (udpSharedHost.length) ctx.log(`UDP services also answering on ${controlHost}, attributed to the shared host: ${udpSharedHost.join(', ')}`);
      udp = udp.map((result) => (udpSharedHost.includes(result.port) ? { ...result, answer: `${result.answer ?? ''} (shared host, excluded)` } : result));
    }
    for (const result of udp.filter((entry) => entry.state === 'open' && !udpSharedHost.includes(entry.port) && !owned.has(entry.port))) {
      ctx.foundInterface({ port: result.port, transport: 'udp', service: serviceKind(result.service, undefined), ...(result.answer ? { banner: result.answer } : {}), declared: declared.includes(result.port) });
    }
    // The profile lists ports without a transport, so a declared port number covers its UDP service as well.
    const unexpectedUdp: UdpProbeResult[] = udp.filter((result) => result.state === 'open' && !udpSharedHost.includes(result.port) && !declared.includes(result.port));

    const rows = [
      'port,state,classification,service,banner',
      ...scan.open.map((port) => {
        const classification = sharedHost.includes(port) ? 'shared host (excluded)' : declared.includes(port) ? 'declared' : 'UNEXPECTED';
        const banner = bannerOf(port);
        return `${port},open,${classification},${csvField(banner?.service ?? serviceName(port) ?? '')},${csvField(banner?.banner ?? '')}`;
      }),
      ...declared.filter((port) => !scan.open.includes(port)).map((port) => `${port},not open,declared,${csvField(serviceName(port) ?? '')},`),
    ];
    ctx.attach({
      name: 'TCP port scan',
      contentType: 'text/plain',
      extension: 'txt',
      content: [
        `host: ${ctx.host}`,
        `ports scanned: ${scope.scanned} (${ports.length} ports; configured ${configuredPorts(ctx.profile.scan?.ports)}${declared.length ? `, plus the declared ${declared.join(',')}` : ''})`,
        `duration: ${(scan.durationMs / 1000).toFixed(1)} s, ${concurrency} connections at once, ${connectTimeoutMs} ms connect timeout`,
        `open: ${scan.open.join(', ') || 'none'}; closed: ${scan.closed}; no answer: ${scan.filtered.length}`,
        ...(controlHost ? [`control address: ${controlHost}; open there too (left out): ${sharedHost.join(', ') || 'none'}`] : []),
        '',
      ].join('\n'),
    });
    ctx.attach({ name: 'Open TCP ports', contentType: 'text/csv', extension: 'csv', content: `${rows.join('\n')}\n` });
    const udpRows = ['port,service,state,classification,answer', ...udp.map((result) => `${result.port},${result.service},${result.state},${result.state !== 'open' ? '' : udpSharedHost.includes(result.port) ? 'shared host (excluded)' : declared.includes(result.port) ? 'declared' : 'UNEXPECTED'},${csvField(result.answer ?? '')}`)];
    ctx.attach({ name: 'UDP service probes', contentType: 'text/csv', extension: 'csv', content: `${udpRows.join('\n')}\n` });

    const details = {
      host: ctx.host,
      scannedPorts: scan.scanned,
      scanned: scope.scanned,
      scope: configured,
      declared,
      open: scan.open,
      unexpected,
      sharedHost,
      controlHost,
      noAnswer: scan.filtered.length,
      durationMs: scan.durationMs,
      banners,
      udp,
      unexpectedUdp: unexpectedUdp.map((result) => result.port),
      udpSharedHost,
    };
    const scopeNote = sharedHost.length ? `; ${sharedHost.length} port(s) open on every local address left out as the shared host's (${sharedHost.join(', ')})` : '';
    const problems: string[] = [];
    if (unexpected.length > 0) {
      const listed = unexpected
        .map((port) => {
          const banner = bannerOf(port);
          const known = serviceName(port);
          const seen = banner?.banner ? `${banner.service && banner.service !== 'unknown' ? `${banner.service}: ` : ''}"${banner.banner.slice(0, 80)}"` : undefined;
          const parts = [known, seen].filter(Boolean).join('; ');
          return parts ? `${port} (${parts})` : String(port);
        })
        .join(', ');
      problems.push(`${unexpected.length} undeclared open TCP port(s) on ${ctx.host}: ${listed}; declared: ${declared.join(', ') || 'none'}${scopeNote}`);
    }
    if (unexpectedUdp.length > 0) {
      problems.push(`${unexpectedUdp.length} undeclared UDP service(s) answered: ${unexpectedUdp.map((result) => `${result.port}/udp ${result.answer ?? result.service}`).join(', ')}`);
    }
    if (problems.length > 0) return fail(`${problems.join('; ')}; scanned ${scanned}`, details);
    const silentUdp = udp.filter((result) => result.state !== 'open').map((result) => `${result.port} (${result.service})`);
    return pass(
      `scanned ${scanned} on ${ctx.host}; open: ${componentPorts.join(', ') || 'none'}, all declared${scopeNote}; UDP probes of ${silentUdp.join(', ')}: no undeclared service answered`,
      details,
    );
  },
});
