import { defineCheck, fail, pass } from '../../core/check.js';
import { declaredPorts } from '../../core/profile/ports.js';
import { parsePortList, serviceName, tcpConnectScan, WELL_KNOWN_ICS_PORTS } from '../../adapters/tcp/scan.js';

const DEFAULT_RANGE = '1-1024';

export default defineCheck({
  id: 'tcp.least-functionality.open-ports',
  requirement: 'CR 7.7',
  sl: [1, 2, 3, 4],
  protocol: 'tcp',
  disruptive: false,
  title: 'Only the declared TCP ports are open',
  expectation: 'A TCP connect scan of the host finds no open port beyond openPorts and the declared endpoints',
  timeoutMs: 120_000,
  async run(ctx) {
    const declared = declaredPorts(ctx.profile);
    const configured = ctx.profile.scan?.ports ?? [DEFAULT_RANGE, ...WELL_KNOWN_ICS_PORTS.map((entry) => entry.port)].join(',');
    const ports = [...new Set([...parsePortList(configured), ...declared])].sort((a, b) => a - b);
    const connectTimeoutMs = ctx.profile.scan?.connectTimeoutMs ?? Math.min(ctx.settings.connectTimeoutMs, 1_000);
    const concurrency = ctx.profile.scan?.concurrency ?? 128;
    ctx.log(`scope: ${ports.length} TCP ports on ${ctx.host} (${configured}${declared.length ? ` + declared ${declared.join(',')}` : ''})`);

    const scan = await ctx.step(`TCP connect scan of ${ctx.host}`, () =>
      tcpConnectScan({ host: ctx.host, ports, connectTimeoutMs, concurrency, signal: ctx.signal }),
    );
    ctx.log(`open: ${scan.open.join(', ') || 'none'}; closed: ${scan.closed}; no answer: ${scan.filtered.length}`);

    // On a shared machine, listeners bound to every address answer on the component's address too.
    // Ports that also answer on a control address belong to the machine, not the component; the report says so.
    const controlHost = ctx.profile.scan?.controlHost;
    let sharedHost: number[] = [];
    if (controlHost && scan.open.length > 0) {
      const control = await ctx.step(`control scan of the open ports on ${controlHost}`, () =>
        tcpConnectScan({ host: controlHost, ports: scan.open, connectTimeoutMs, concurrency, signal: ctx.signal }),
      );
      sharedHost = control.open.filter((port) => !declared.includes(port));
      if (sharedHost.length) ctx.log(`also open on ${controlHost}, so attributed to the shared host and left out: ${sharedHost.join(', ')}`);
    }

    const componentPorts = scan.open.filter((port) => !sharedHost.includes(port));
    const declaredOpen = declared.filter((port) => componentPorts.includes(port));
    if (declared.length > 0 && declaredOpen.length === 0) {
      throw new Error(`none of the declared ports (${declared.join(', ')}) answered on ${ctx.host}: the component is unreachable or not running, so the scan proves nothing`);
    }
    const unexpected = componentPorts.filter((port) => !declared.includes(port));
    const rows = [
      'port,state,classification,service',
      ...scan.open.map((port) => {
        const classification = sharedHost.includes(port) ? 'shared host (excluded)' : declared.includes(port) ? 'declared' : 'UNEXPECTED';
        return `${port},open,${classification},${serviceName(port) ?? ''}`;
      }),
      ...declared.filter((port) => !scan.open.includes(port)).map((port) => `${port},not open,declared,${serviceName(port) ?? ''}`),
    ];
    ctx.attach({ name: 'Open TCP ports', contentType: 'text/csv', extension: 'csv', content: `${rows.join('\n')}\n` });

    const details = {
      host: ctx.host,
      scannedPorts: scan.scanned,
      scope: configured,
      declared,
      open: scan.open,
      unexpected,
      sharedHost,
      controlHost,
      noAnswer: scan.filtered.length,
      durationMs: scan.durationMs,
    };
    const scopeNote = sharedHost.length ? `; ${sharedHost.length} port(s) open on every local address left out as the shared host's (${sharedHost.join(', ')})` : '';
    if (unexpected.length > 0) {
      const listed = unexpected.map((port) => (serviceName(port) ? `${port} (${serviceName(port)})` : String(port))).join(', ');
      return fail(`${unexpected.length} undeclared open TCP port(s) on ${ctx.host}: ${listed}; declared: ${declared.join(', ') || 'none'}${scopeNote}`, details);
    }
    return pass(`${scan.scanned} TCP ports scanned on ${ctx.host}; open: ${componentPorts.join(', ') || 'none'}, all declared${scopeNote}`, details);
  },
});
