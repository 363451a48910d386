import type { CheckContext, RunSettings } from '../../core/check.js';
import { componentInterfaces } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { opcuaEssentialFunctions } from './availability.js';
import type { ChannelOptions, OpcuaChannel, OpcuaSession } from './client.js';
import { buildOpcuaCorpus, OPCUA_CASE_IDS, runOpcuaFuzzCorpus, type FuzzCaseResult, type FuzzLiveness, type OpcuaFuzzCase, type WriteSubject } from './fuzz.js';
import { helloExchange } from './raw.js';
import { formatStatus, isGood } from './status.js';
import { declaredRange, stableWritableVariable } from './subjects.js';
import { OpcuaTarget, userIdentity } from './target.js';
import type { Identity } from './types.js';

/**
 * What the CR 3.5 check and a replay both derive from the profile and the device: the liveness read, the writer's
 * session and variable, hence the same corpus.
 */

/** Liveness: a read of the first OPC UA essential function on a session of its own, else a Hello exchange. */
class SessionLiveness implements FuzzLiveness {
  checks = 0;
  private channel?: OpcuaChannel;
  private session?: OpcuaSession;

  constructor(
    private readonly target: OpcuaTarget,
    private readonly channelOptions: ChannelOptions,
    private readonly identity: Identity,
    private readonly nodeId: string | undefined,
  ) {}

  async probe(timeoutMs?: number): Promise<{ ok: boolean; detail: string }> {
    this.checks++;
    if (!this.nodeId) {
      try {
        const hello = await helloExchange(this.target.probe.url, timeoutMs ?? this.target.probe.options.timeoutMs, this.target.probe.options.signal);
        return hello.kind === 'ack' ? { ok: true, detail: 'Hello acknowledged' } : { ok: false, detail: hello.kind === 'error' ? `Hello answered ${formatStatus(hello.status)}` : 'Hello: connection closed' };
      } catch (error) {
        this.target.probe.options.signal?.throwIfAborted();
        return { ok: false, detail: (error as Error).message };
      }
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const session = this.session ?? (await this.open());
        const read = await session.read(this.nodeId);
        if (isGood(read.status)) return { ok: true, detail: `Read ${this.nodeId} ${String(read.value).slice(0, 30)}` };
        return { ok: false, detail: `Read ${this.nodeId} answered ${formatStatus(read.status)}` };
      } catch (error) {
        this.target.probe.options.signal?.throwIfAborted();
        await this.drop();
        if (attempt === 1) return { ok: false, detail: (error as Error).message.split('\n')[0]! };
      }
    }
    return { ok: false, detail: 'no answer' };
  }

  private async open(): Promise<OpcuaSession> {
    const channel = await this.target.probe.openChannel(this.channelOptions);
    const { attempt, session } = await channel.attemptSession(this.identity);
    if (!session) {
      await channel.close();
      throw new Error(`the liveness session was refused (${attempt.status ? formatStatus(attempt.status) : attempt.note})`);
    }
    this.channel = channel;
    this.session = session;
    return session;
  }

  private async drop(): Promise<void> {
    const [session, channel] = [this.session, this.channel];
    this.session = undefined;
    this.channel = undefined;
    await session?.close().catch(() => {});
    await channel?.close().catch(() => {});
  }

  close(): Promise<void> {
    return this.drop();
  }
}

/** The writer's session, opened when the first write case needs it and again after the device dropped it. */
class WriterSession {
  private channel?: OpcuaChannel;
  private current?: OpcuaSession;
  constructor(
    private readonly target: OpcuaTarget,
    private readonly channelOptions: ChannelOptions,
    private readonly identity: Identity,
  ) {}

  async session(): Promise<OpcuaSession> {
    if (this.current) return this.current;
    const channel = await this.target.probe.openChannel(this.channelOptions);
    const { attempt, session } = await channel.attemptSession(this.identity);
    if (!session) {
      await channel.close();
      throw new Error(`the writer's session was refused (${attempt.status ? formatStatus(attempt.status) : attempt.note})`);
    }
    this.channel = channel;
    this.current = session;
    return session;
  }

  async close(): Promise<void> {
    await this.current?.close().catch(() => {});
    await this.channel?.close().catch(() => {});
    this.current = undefined;
    this.channel = undefined;
  }
}

export interface OpcuaFuzzSetup {
  target: OpcuaTarget;
  corpus: OpcuaFuzzCase[];
  liveness: FuzzLiveness;
  livenessLabel: string;
  writer?: { session: () => Promise<OpcuaSession>; reset: () => Promise<void>; subject: WriteSubject; who: string };
  /** Why write cases are left out, when they are. */
  noWrites?: string;
  close(): Promise<void>;
}

export async function prepareOpcuaFuzzing(ctx: CheckContext, log: (line: string) => void = (line) => ctx.log(line)): Promise<OpcuaFuzzSetup> {
  const target = new OpcuaTarget(ctx);
  const channelOptions = await target.sessionChannel();
  const essential = opcuaEssentialFunctions(ctx.profile)[0];
  const liveness = new SessionLiveness(target, channelOptions, target.leastPrivilegedIdentity(), essential?.nodeId);
  const livenessLabel = essential ? `Read ${essential.nodeId} (${essential.name})` : 'Hello exchange (no OPC UA essential function in the profile)';
  const account = target.account('operator', 'admin');
  let writer: OpcuaFuzzSetup['writer'];
  let noWrites: string | undefined;
  let writerSession: WriterSession | undefined;
  if (!account) {
    noWrites = 'the profile names no operator or admin account to write with';
  } else {
    writerSession = new WriterSession(target, channelOptions, userIdentity(account));
    const session = await writerSession.session();
    const variable = await stableWritableVariable(session, ctx.signal);
    if (!variable) {
      noWrites = `"${account.username}" may write no numeric variable that holds its value`;
    } else {
      const range = await declaredRange(session, variable.nodeId);
      writer = { session: () => writerSession!.session(), reset: () => writerSession!.close(), subject: { nodeId: variable.nodeId, dataType: variable.dataType, value: variable.value, range }, who: account.username };
      log(`write cases use ${variable.nodeId} (${variable.dataType} ${variable.value}${range ? `, ${range.property} ${range.low}..${range.high}` : ', no declared range'}) as "${account.username}"`);
    }
  }
  if (noWrites) log(`no write cases: ${noWrites}`);
  // Opened again when the write cases come, so that it is not idle (and timed out) through the raw cases.
  await writerSession?.close();
  const corpus = buildOpcuaCorpus({ withWrites: writer !== undefined, withRange: writer?.subject.range !== undefined });
  return {
    target,
    corpus,
    liveness,
    livenessLabel,
    writer,
    noWrites,
    async close() {
      await liveness.close();
      await writerSession?.close();
    },
  };
}

/** The wait for one case's answer: OPC UA stacks commonly hold an Error message back for a second before closing. */
export const caseTimeoutMs = (settings: Pick<RunSettings, 'requestTimeoutMs'>) => Math.max(2_000, Math.min(settings.requestTimeoutMs, 5_000));

export interface ReplayOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  log?: (line: string) => void;
}

/** A check context for work outside a check run (a replay): the profile's device, the caller's signal and timeouts. */
function replayContext(profile: Profile, options: ReplayOptions): CheckContext {
  const log = options.log ?? (() => undefined);
  const target = componentInterfaces(profile).find((entry) => entry.protocols.includes('opcua'));
  if (!target) throw new Error('the profile declares no OPC UA endpoint (endpoints.opcua)');
  return {
    profile,
    host: profile.host,
    interface: target,
    foundInterface: () => undefined,
    // A replay sends malformed messages, never logins.
    logins: { threshold: 0, remaining: () => 0, failed: () => undefined, succeeded: () => undefined },
    settings: { disruptive: true, connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, load: { ratePerSecond: 1, durationMs: 1_000, sampleIntervalMs: 100, lossTolerance: 0, fuzzCasesPerSecond: 1 } },
    signal: options.signal,
    step: (_name, body) => body(),
    log,
    attach: () => undefined,
    throwIfAborted: () => options.signal.throwIfAborted(),
    designedWait: () => undefined,
  };
}

export const isOpcuaCaseId = (caseId: string): boolean => OPCUA_CASE_IDS.includes(caseId);

/**
 * Replays one CR 3.5 case alone, by its id, against the profile's device: what `run --replay opcua:<id>` calls.
 * Returns the case, its result and whether the device still answers afterwards.
 */
export async function replayOpcuaFuzzCase(profile: Profile, caseId: string, options: ReplayOptions): Promise<{ fuzzCase: OpcuaFuzzCase; result: FuzzCaseResult; aliveAfter: boolean }> {
  const ctx = replayContext(profile, options);
  const setup = await prepareOpcuaFuzzing(ctx);
  try {
    const fuzzCase = setup.corpus.find((entry) => entry.id === caseId);
    if (!fuzzCase) {
      const reason = isOpcuaCaseId(caseId) ? ` (left out for this device: ${setup.noWrites ?? 'the variable declares no range'})` : '';
      throw new Error(`no fuzz case "${caseId}" in the OPC UA corpus of this device${reason}`);
    }
    const report = await runOpcuaFuzzCorpus([fuzzCase], {
      url: setup.target.probe.url,
      connectTimeoutMs: options.connectTimeoutMs,
      caseTimeoutMs: caseTimeoutMs(options),
      signal: options.signal,
      casesPerSecond: 1,
      liveness: setup.liveness,
      writer: setup.writer,
      log: options.log,
      recoveryWatchMs: 0,
    });
    return { fuzzCase, result: report.results[0]!, aliveAfter: report.stoppedAfter === undefined };
  } finally {
    await setup.close();
  }
}
