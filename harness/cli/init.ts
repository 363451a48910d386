import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePortList } from '../../adapters/tcp/scan.js';
import { DEFAULT_INIT_PORTS, discoverDevice } from '../init/discover.js';
import { writeDiscoveredProfile } from '../init/profile.js';
import { loadProtocols } from '../protocols.js';
import { writeAtomically } from '../../core/files.js';
import { bold, dim, yellow } from './console.js';
import { EXIT, UsageError } from './errors.js';

const DEFAULT_TIMEOUT_MS = 2_000;

/** `init --host H`: discovery, then a commented profile to complete; nothing is written when a flag is wrong. */
export async function initCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: 'string' },
        out: { type: 'string' },
        ports: { type: 'string' },
        'control-host': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'snmp-communities': { type: 'string' },
        force: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const host = values.host as string | undefined;
  if (!host) throw new UsageError('init needs --host: the address of the device to discover');
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host) || host.includes('..')) throw new UsageError(`--host must be one address or name, not "${host}"`);
  const out = resolve((values.out as string | undefined) ?? 'device.yaml');
  if (existsSync(out) && !values.force) throw new UsageError(`--out ${out} exists; pass --force to replace it`);
  const ports = (values.ports as string | undefined) ?? DEFAULT_INIT_PORTS;
  try {
    if (parsePortList(ports).length === 0) throw new Error('no port');
  } catch {
    throw new UsageError(`--ports must be ports and ranges such as "1-1024,4840", not "${ports}"`);
  }
  const timeoutMs = values['timeout-ms'] === undefined ? DEFAULT_TIMEOUT_MS : Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) throw new UsageError(`--timeout-ms must be a whole number of milliseconds from 100 to 60000, not "${String(values['timeout-ms'])}"`);
  const communities = values['snmp-communities'] === undefined ? undefined : (values['snmp-communities'] as string).split(',').map((entry) => entry.trim()).filter(Boolean);

  await loadProtocols();
  const controller = new AbortController();
  // Hundreds of probes at once each listen for the abort.
  setMaxListeners(0, controller.signal);
  const onInterrupt = () => controller.abort(new Error('interrupted by the user'));
  process.once('SIGINT', onInterrupt);
  try {
    const discovery = await discoverDevice({
      host,
      ports,
      ...(values['control-host'] ? { controlHost: values['control-host'] as string } : {}),
      timeoutMs,
      ...(communities ? { snmpCommunities: communities } : {}),
      signal: controller.signal,
      log: (line) => process.stderr.write(dim(`  ${line}\n`)),
    });
    const written = writeDiscoveredProfile(discovery);
    writeAtomically(out, written.yaml);
    process.stdout.write(`${bold('Device profile:')} ${out}\n`);
    for (const { definition, found } of discovery.protocols) for (const line of found.found) process.stdout.write(`  ${definition.title}: ${line}\n`);
    process.stdout.write(`\n${yellow('Still to fill in or confirm:')}\n${written.todo.map((line) => `  - ${line}\n`).join('')}`);
    process.stdout.write(`\nThen: iec62443-harness run --profile ${out}\n`);
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
