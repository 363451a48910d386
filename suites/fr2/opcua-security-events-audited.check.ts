import { defineCheck, fail, pass } from '../../core/check.js';
import type { OpcuaSession } from '../../adapters/opcua/client.js';
import { pause } from '../../adapters/opcua/deadline.js';
import { mayWrite, STEADY_GAP_MS, writePermissionFor, type WritePermission } from '../../adapters/opcua/authorization.js';
import { EVENT_TYPES, eventTypeName, SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, randomPassword, requiresAccounts, unknownUserName, userIdentity } from '../../adapters/opcua/target.js';
import type { EventRecord, StatusValue } from '../../adapters/opcua/types.js';

/** How long events may take to reach the subscription after the action. */
const EVENT_WAIT_MS = 5_000;
const POLL_MS = 100;

interface Expected {
  action: string;
  /** Any of these types (or a subtype) with Status false counts. */
  types: string[];
  match?: EventRecord;
}

export default defineCheck({
  id: 'opcua.audit.security-events',
  requirement: 'CR 2.8',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA reports a failed login and a denied write as audit events',
  expectation:
    'The server says it audits (Server.Auditing = true), and an admin event subscription receives an audit event with Status false for a failed login (AuditActivateSessionEventType or AuditCreateSessionEventType) and, where the profile or a disruptive run allows a write, for a refused write of a variable\'s own value (AuditWriteUpdateEventType or another AuditUpdateEventType), with a time stamp',
  timeoutMs: 60_000,
  requires: requiresAccounts('admin'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const channel = await target.sessionChannel();
    const admin = target.account('admin')!;
    const writer = target.account('viewer', 'operator') ?? admin;
    const permission = writePermissionFor(ctx);
    try {
      return await target.withSession(userIdentity(admin), channel, async (session) => {
        const auditing = await session.read(SERVER_NODES.auditing);
        const says = isGood(auditing.status) ? `Server.Auditing = ${String(auditing.value)}` : `Server.Auditing unreadable (${formatStatus(auditing.status)})`;
        ctx.log(says);
        const watch = await ctx.step(`admin "${admin.username}" subscribes to the events of the Server object`, () => session.watchEvents());
        try {
          const expected: Expected[] = [];
          const unknown = unknownUserName();
          expected.push({ action: `failed login as unknown user "${unknown}"`, types: [EVENT_TYPES.AuditActivateSessionEventType, EVENT_TYPES.AuditCreateSessionEventType] });
          const unknownIdentity = { kind: 'username' as const, username: unknown, password: randomPassword() };
          const login = await ctx.step(expected[0]!.action, () => target.probe.attemptSession(unknownIdentity, channel));
          target.recordLogin(unknownIdentity, login);
          if (login.accepted) throw new Error(`the device accepted an unknown user name with a random password, so no failed login could be provoked`);

          const denied = await ctx.step(`a write of its own value that "${writer.username}" may not make`, () => target.withSession(userIdentity(writer), channel, (own) => refusedWrite(own, permission, ctx.signal)));
          if ('accepted' in denied) throw new Error(`every write "${writer.username}" tried was accepted (${denied.accepted.join(', ')}), so no refused write could be provoked`);
          if ('status' in denied) expected.push({ action: `refused write of ${denied.nodeId} by "${writer.username}" (${formatStatus(denied.status)})`, types: [EVENT_TYPES.AuditUpdateEventType] });
          const notShown = 'notTried' in denied ? `; a refused write was not provoked: ${denied.notTried}` : '';

          const ancestry = new Map<string, string[]>();
          const typesOf = async (eventType: string) => {
            if (!ancestry.has(eventType)) ancestry.set(eventType, await session.supertypes(eventType));
            return ancestry.get(eventType)!;
          };
          const begin = Date.now();
          await ctx.step(`wait up to ${EVENT_WAIT_MS} ms for the audit events`, async () => {
            while (Date.now() - begin < EVENT_WAIT_MS) {
              for (const wanted of expected.filter((entry) => !entry.match)) {
                for (const event of watch.events) {
                  if (event.status !== false) continue;
                  const chain = await typesOf(event.eventType);
                  if (wanted.types.some((type) => chain.includes(type))) wanted.match = event;
                }
              }
              if (expected.every((entry) => entry.match)) break;
              await pause(POLL_MS, ctx.signal);
            }
          });
          const events = watch.events.map((event) => ({ ...event, eventTypeName: eventTypeName(event.eventType) }));
          ctx.attach({ name: 'Events received by the admin subscription', contentType: 'application/json', extension: 'json', content: JSON.stringify(events, null, 2) });
          const details = { auditing: auditing.value, expected: expected.map((entry) => ({ action: entry.action, event: entry.match && { ...entry.match, eventTypeName: eventTypeName(entry.match.eventType) } })), eventsReceived: events.length };
          const missing = expected.filter((entry) => !entry.match);
          const untimed = expected.filter((entry) => entry.match && !entry.match.time);
          const describe = (entry: Expected) => `${entry.action} → ${eventTypeName(entry.match!.eventType)} (Status false${entry.match!.clientUserId ? `, ClientUserId "${entry.match!.clientUserId}"` : ''}, Time ${entry.match!.time?.toISOString() ?? 'missing'})`;
          if (missing.length > 0 || untimed.length > 0 || auditing.value !== true) {
            const problems = [
              auditing.value !== true ? `${says}` : '',
              ...missing.map((entry) => `no audit event with Status false within ${EVENT_WAIT_MS} ms for the ${entry.action}`),
              ...untimed.map((entry) => `the audit event for the ${entry.action} has no Time`),
            ].filter(Boolean);
            return fail(`${problems.join('; ')} (${events.length} events received in all)${notShown}`, details);
          }
          return pass(`${says}; ${expected.map(describe).join('; ')}${notShown}`, details);
        } finally {
          await watch.stop();
        }
      });
    } finally {
      target.attachTranscript();
    }
  },
});

/**
 * A write the identity is not allowed to make, of the value the node already holds and only where it held still
 * (nothing changes even if it is wrongly accepted), where the profile or the run allows writes at all: first the
 * variables the device says this user cannot write, then ServerStatus.State.
 */
async function refusedWrite(session: OpcuaSession, permission: WritePermission, signal: AbortSignal): Promise<{ nodeId: string; status: StatusValue } | { notTried: string } | { accepted: string[] }> {
  const readOnly = (await session.findVariables({ maxNodes: 200 })).filter((variable) => !variable.unreadable && (variable.accessLevel & 0x01) !== 0 && (variable.userAccessLevel & 0x02) === 0);
  const candidates = [...readOnly.map((variable) => variable.nodeId), SERVER_NODES.state].filter((nodeId) => mayWrite(permission, nodeId)).slice(0, 6);
  if (candidates.length === 0) return { notTried: permission.describe };
  const writes = await session.writeSteadyValues(candidates, STEADY_GAP_MS, signal);
  const refused = writes.find((entry) => entry.write && !isGood(entry.write));
  if (refused) return { nodeId: refused.nodeId, status: refused.write! };
  const accepted = writes.filter((entry) => entry.write).map((entry) => entry.nodeId);
  return accepted.length > 0 ? { accepted } : { notTried: `no variable it may not write held still (${writes.map((entry) => `${entry.nodeId}: ${entry.notWritten}`).join('; ')})` };
}
