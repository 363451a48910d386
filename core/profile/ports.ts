import type { Profile } from './schema.js';

/** Port of an opc.tcp:// URL (4840 when absent). */
export function opcuaPort(url: string): number {
  const match = /^opc\.tcp:\/\/(?:\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(url);
  return match?.[1] ? Number(match[1]) : 4840;
}

/** Ports the profile says the component serves on purpose: openPorts plus every declared endpoint. */
export function declaredPorts(profile: Profile): number[] {
  const ports = new Set<number>(profile.openPorts);
  if (profile.endpoints.opcua) ports.add(opcuaPort(profile.endpoints.opcua.url));
  if (profile.endpoints.modbus) ports.add(profile.endpoints.modbus.port);
  for (const service of profile.endpoints.tls ?? []) {
    ports.add(service.port);
    if (service.cleartextPort) ports.add(service.cleartextPort);
  }
  return [...ports].sort((a, b) => a - b);
}
