import { Document, isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { componentInterfaces } from '../../core/protocol.js';
import type { DeviceDiscovery } from './discover.js';

/**
 * The profile `init` writes: what discovery found, as a commented YAML the vendor completes. Credentials are
 * ${VARIABLE} placeholders, never values; every choice only the vendor can make says so beside it.
 */

export interface WrittenProfile {
  yaml: string;
  /** What the user still has to fill in or confirm, one line each. */
  todo: string[];
  /** The environment variables the accounts name. */
  variables: string[];
}

const placeholder = (...parts: string[]) => parts.join('_').toUpperCase().replace(/[^A-Z0-9_]/g, '_');

export function writeDiscoveredProfile(discovery: DeviceDiscovery, now = new Date()): WrittenProfile {
  const identity = discovery.protocols.map((entry) => entry.found.identity).find((found) => found && (found.vendor || found.model || found.firmware));
  const endpoints: Record<string, unknown> = {};
  for (const { definition, found } of discovery.protocols) {
    if (definition.endpoint) endpoints[definition.endpoint.key] = found.endpoint;
  }
  const openPorts = discovery.tcp.map((entry) => entry.port);
  const base: ProfileInput = {
    component: {
      name: identity?.model ? `${identity.model} at ${discovery.host}` : `device at ${discovery.host}`,
      ...(identity?.vendor ? { vendor: identity.vendor } : {}),
      ...(identity?.model ? { model: identity.model } : {}),
      ...(identity?.firmware ? { firmware: identity.firmware } : {}),
      type: 'embedded-device',
    },
    targetSL: 2,
    host: discovery.host,
    disruptive: false,
    endpoints: endpoints as ProfileInput['endpoints'],
    openPorts,
  };

  // Accounts are per protocol: a web account need not be an OPC UA account.
  const interfaces = componentInterfaces(parseProfile(base, 'discovered profile', {}));
  const accounts: NonNullable<ProfileInput['accounts']> = [];
  const variables: string[] = [];
  for (const { definition, found } of discovery.protocols) {
    const names = interfaces.filter((entry) => entry.kind === definition.name).map((entry) => entry.name);
    for (const role of found.roles ?? []) {
      const user = placeholder(definition.name, role, 'user');
      const password = placeholder(definition.name, role, 'password');
      variables.push(user, password);
      accounts.push({ role, username: `\${${user}}`, password: `\${${password}}`, ...(names.length ? { interfaces: [...names] } : {}) });
    }
  }
  const input: ProfileInput = { ...base, ...(accounts.length ? { accounts } : {}) };
  // What is written must be what the run reads: validated here with every variable unset, as on a fresh shell.
  parseProfile(input, 'discovered profile', {});

  const todo: string[] = [];
  if (!identity) todo.push('component: vendor, model and firmware (the device did not report them)');
  todo.push('component.type: embedded-device was assumed; host-device, network-device or software-application if it is one of those');
  todo.push('targetSL: 2 was assumed; set the security level the component is meant to reach');
  todo.push(`openPorts: confirm that each of ${openPorts.length ? openPorts.join(', ') : '(none found)'} is meant to be open; remove the others from the device, not from this list`);
  if (variables.length) todo.push(`accounts: export ${variables.join(', ')} (one user per role, as the vendor's role model names them; the lockout account is a throwaway that only a disruptive run may lock)`);
  for (const { definition, found } of discovery.protocols) for (const line of found.todo) todo.push(`endpoints.${definition.endpoint?.key ?? definition.name}: ${line}`);
  if (discovery.unexplained.length) {
    todo.push(`ports no protocol of the harness recognised: ${discovery.unexplained.map((entry) => `${entry.port} (${entry.banner ?? entry.service})`).join(', ')}; the CR 7.7 scan reports them as untested interfaces`);
  }
  const suggestions = discovery.protocols.flatMap((entry) => entry.found.essentialFunctions ?? []);
  todo.push('endpoints.syslog and endpoints.ntp: if the device sends its audit log or asks the time, the address of this machine it is configured to use (the harness listens there during the run)');
  if (suggestions.length) todo.push('essentialFunctions: name what an operator station depends on (suggestions are commented out at the end) for the CR 7.1 checks');

  const document = new Document(input, { aliasDuplicateObjects: false });
  document.commentBefore = [
    ` Device profile written by \`iec62443-harness init --host ${discovery.host}\` on ${now.toISOString()}.`,
    ` ${discovery.scanned.count} TCP ports scanned in ${discovery.scanned.durationMs} ms; UDP services answering: ${discovery.udp.map((entry) => `${entry.port} ${entry.service}`).join(', ') || 'none'}.`,
    '',
    ' Still to fill in or confirm:',
    ...todo.map((line) => ` - ${line}`),
  ].join('\n');
  const top = document.contents as YAMLMap;
  const pair = (key: string) => top.items.find((item) => isScalar(item.key) && item.key.value === key) as Pair<{ commentBefore?: string | null; comment?: string | null }, unknown> | undefined;
  const commentOn = (key: string, text: string) => {
    const found = pair(key);
    if (found && isScalar(found.key)) found.key.commentBefore = text;
  };
  commentOn('targetSL', ' The security level the component is meant to reach (1-4); 2 is a common first target. Requirements above it are not applicable.');
  commentOn('disruptive', ' Lockout, floods, fuzzing and exhaustion run only when true (or with --disruptive): on a bench device, never on a plant in operation.');
  commentOn('openPorts', ' Every TCP port found open. The vendor must confirm that each one is meant to be open: CR 7.7 fails a port that is open and not listed.');
  commentOn('accounts', ' One account per role the checks log in as; the values come from the environment, so no password is written here.');
  const endpointsMap = pair('endpoints')?.value;
  if (isMap(endpointsMap)) {
    for (const { definition, found } of discovery.protocols) {
      const item = endpointsMap.items.find((entry) => isScalar(entry.key) && entry.key.value === definition.endpoint?.key);
      if (item && isScalar(item.key)) item.key.commentBefore = found.found.map((line) => ` ${line}`).join('\n');
    }
  }
  let yaml = document.toString({ lineWidth: 0 });
  if (suggestions.length) {
    const block = new Document({ essentialFunctions: suggestions }).toString({ lineWidth: 0 });
    yaml += `\n# Suggested essential functions (CR 7.1): keep those an operator station really depends on, then uncomment.\n${block
      .trimEnd()
      .split('\n')
      .map((line) => `# ${line}`)
      .join('\n')}\n`;
  }
  return { yaml, todo, variables };
}
