import type { CheckContext } from '../../core/check.js';
import type { OpcuaSession } from './client.js';
import { formatStatus, isGood } from './status.js';
import type { StatusValue, VariableInfo } from './types.js';

/**
 * What a check may write on the device, decided from the profile and the run, never from the device: a live plant
 * may run on it. Without endpoints.opcua.writeProbes and outside a disruptive run nothing is written, and write
 * permissions are what the device says they are (UserAccessLevel per identity).
 */
export interface WritePermission {
  /** Node ids the vendor declares safe to write with their own value. */
  readonly probes: ReadonlySet<string>;
  /** A disruptive run: any variable that holds still may be written with its own value. */
  readonly anySteady: boolean;
  /** For the observed line: what was allowed, or why nothing was written. */
  readonly describe: string;
}

export function writePermissionFor(ctx: Pick<CheckContext, 'profile' | 'settings'>): WritePermission {
  const probes = new Set(ctx.profile.endpoints.opcua?.writeProbes ?? []);
  const anySteady = ctx.settings.disruptive;
  const describe = anySteady
    ? 'disruptive run: variables that held still were written with their own value'
    : probes.size > 0
      ? `only the ${probes.size} writeProbes of the profile were written, with their own value`
      : 'nothing written (no writeProbes in the profile, run not disruptive)';
  return { probes, anySteady, describe };
}

export const mayWrite = (permission: WritePermission, nodeId: string): boolean => permission.anySteady || permission.probes.has(nodeId);

/** One variable as one identity sees it. */
export interface AccessFinding {
  nodeId: string;
  path: string;
  /** The device says this identity may write it (UserAccessLevel CurrentWrite); undefined when it did not say. */
  saysWritable?: boolean;
  saysReadable?: boolean;
  /** A write of its own value, when one was allowed and sent. */
  write?: StatusValue;
  /** Why no write was sent. */
  notWritten?: string;
}

export interface WriteProbe {
  who: string;
  variables: VariableInfo[];
  findings: AccessFinding[];
  /** Node ids this identity can write: a write of the value was accepted, or, where none was sent, the device says so. */
  writable: string[];
  /** Node ids whose write was sent and refused. */
  refused: string[];
  /** Node ids on which neither a write nor UserAccessLevel tells anything. */
  undecided: string[];
  /** Writes sent. */
  written: number;
}

/** Variables probed per identity: enough for a PLC's process image, bounded for a large address space. */
export const MAX_PROBED_VARIABLES = 40;
/** How long a variable must hold still before its own value is written back. */
export const STEADY_GAP_MS = 300;

/**
 * The write permissions of the session's identity on the variables outside namespace 0: UserAccessLevel for each,
 * and, where the permission allows it, a write of the variable's own value that only a variable holding still gets.
 */
export async function probeWrites(session: OpcuaSession, permission: WritePermission, signal?: AbortSignal): Promise<WriteProbe> {
  const variables = (await session.findVariables({ maxNodes: 200 })).slice(0, MAX_PROBED_VARIABLES);
  signal?.throwIfAborted();
  const writes = new Map((await session.writeSteadyValues(variables.filter((variable) => mayWrite(permission, variable.nodeId)).map((variable) => variable.nodeId), STEADY_GAP_MS, signal)).map((entry) => [entry.nodeId, entry]));
  const findings: AccessFinding[] = variables.map((variable) => {
    const told = !variable.unreadable?.some((attribute) => attribute.startsWith('UserAccessLevel'));
    const write = writes.get(variable.nodeId);
    return {
      nodeId: variable.nodeId,
      path: variable.path,
      ...(told ? { saysWritable: (variable.userAccessLevel & 0x02) !== 0, saysReadable: (variable.userAccessLevel & 0x01) !== 0 } : {}),
      ...(write?.write ? { write: write.write } : { notWritten: write?.notWritten ?? 'not a writeProbe of the profile, and the run is not disruptive' }),
    };
  });
  const writable = findings.filter((finding) => (finding.write ? isGood(finding.write) : finding.saysWritable === true)).map((finding) => finding.nodeId);
  const refused = findings.filter((finding) => finding.write && !isGood(finding.write)).map((finding) => finding.nodeId);
  const undecided = findings.filter((finding) => !finding.write && finding.saysWritable === undefined).map((finding) => finding.nodeId);
  return { who: session.who, variables, findings, writable, refused, undecided, written: findings.filter((finding) => finding.write).length };
}

/** "3 variables: 1 write of its own value refused, 2 judged from UserAccessLevel" and what could not be told. */
export function describeProbe(probe: WriteProbe): string {
  const byLevel = probe.findings.length - probe.written - probe.undecided.length;
  const parts = [
    probe.written > 0 ? `${probe.written} written with their own value (${probe.refused.length} refused)` : '',
    byLevel > 0 ? `${byLevel} judged from UserAccessLevel` : '',
    probe.undecided.length > 0 ? `${probe.undecided.length} undecided (UserAccessLevel not given, no write allowed)` : '',
  ].filter(Boolean);
  return `${probe.findings.length} variables: ${parts.join(', ') || 'none'}`;
}

/** The statuses of the writes a device refused, for the observed line. */
export const refusalNames = (probe: WriteProbe): string => [...new Set(probe.findings.filter((finding) => finding.write && !isGood(finding.write)).map((finding) => formatStatus(finding.write)))].join(', ');

export const describeSet = (nodeIds: string[]): string => (nodeIds.length === 0 ? 'nothing' : nodeIds.join(', '));
