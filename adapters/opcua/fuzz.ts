import { performance } from 'node:perf_hooks';
import {
  CreateSessionRequest,
  CreateSessionResponse,
  GetEndpointsRequest,
  MessageSecurityMode,
  OpenSecureChannelRequest,
  OpenSecureChannelResponse,
  SecurityTokenRequestType,
  ServiceFault,
} from 'node-opcua';
import type { AnswerKind, CaseObservation, CaseRun, FuzzDriver, FuzzLiveness, FuzzCase as RunnerCase } from '../../core/fuzz/engine.js';
import type { OpcuaSession } from './client.js';
import { OpcuaTimeoutError } from './deadline.js';
import {
  RawUaConnection,
  decodeSecureMessage,
  encodeHello,
  encodeOpenSecureChannelNone,
  encodeSecureMessage,
  encodeServiceBody,
  parseOpcTcpUrl,
  statusOfCode,
  type AckParameters,
  type RawMessage,
  type RawSecureChannel,
} from './raw.js';
import { formatStatus, isGood, statusValue } from './status.js';
import type { StatusValue } from './types.js';

/**
 * CR 3.5 robustness for OPC UA: a corpus of malformed messages of the UA connection protocol, the secure conversation
 * (SecurityPolicy None, as any client may use for discovery) and discovery service encodings, each sent on a
 * connection of its own, plus writes of wrong types and out-of-range values on a session allowed to write. Each case
 * names what a robust stack may answer; the device must stay alive, which a read of an essential function (or a
 * Hello) checks after every batch. core/fuzz runs the corpus; opcuaFuzzDriver says how a case is sent and judged.
 *
 * Safety: no case opens a session except the write cases, which write to one variable the profile's writer may
 * change and put its value back when the device wrongly accepts the write.
 */

export type OutcomeKind = 'ack' | 'error' | 'channel' | 'fault' | 'response' | 'closed' | 'silence' | 'bad-status' | 'good-status';

export type FuzzOutcome =
  | { kind: 'ack'; ack: AckParameters }
  | { kind: 'error'; status: StatusValue; reason: string }
  | { kind: 'channel' }
  | { kind: 'fault'; status: StatusValue }
  | { kind: 'response'; typeId: string }
  | { kind: 'closed' }
  | { kind: 'silence'; afterMs: number }
  | { kind: 'bad-status'; status: StatusValue }
  | { kind: 'good-status'; status: StatusValue };

export interface OpcuaFuzzExpectation {
  /** Answers a robust stack may give. */
  allowed: OutcomeKind[];
  /** An Acknowledge must announce buffers of at most this many bytes (a stack that takes any size can be flooded). */
  maxAckBufferBytes?: number;
}

/** What a raw case needs from the connection it is sent on. */
export interface CaseContext {
  url: string;
  ack?: AckParameters;
  channel?: RawSecureChannel;
}

export interface OpcuaFuzzCase extends RunnerCase {
  /** What is done before the malformed bytes: nothing, Hello, or Hello and a None secure channel. */
  preamble: 'none' | 'hello' | 'channel';
  /** The malformed bytes (raw cases). */
  bytes?: (context: CaseContext) => Buffer;
  /** The write made on the writer's session (write cases). */
  write?: (session: OpcuaSession, subject: WriteSubject) => Promise<{ status: StatusValue; sent: string }>;
  expect: OpcuaFuzzExpectation;
}

export interface WriteSubject {
  nodeId: string;
  dataType: string;
  value: number;
  /** Instrument or engineering range the device declares for the variable. */
  range?: { low: number; high: number };
}

export const FUZZ_CATEGORIES = ['message framing', 'Hello', 'secure channel', 'service encoding', 'write values'] as const;

const REFUSE: OutcomeKind[] = ['error', 'closed'];
const REFUSE_OR_FAULT: OutcomeKind[] = ['error', 'closed', 'fault'];
/** A legal Acknowledge after revising the client's sizes down is as good as a refusal. */
const SANE_ACK = 16 * 1024 * 1024;

const uint32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
};
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
};

function frame(type: string, body: Buffer, size = 8 + body.length): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, 'ascii');
  header.writeUInt32LE(size >>> 0, 4);
  return Buffer.concat([header, body]);
}

/** A Hello whose endpoint URL length field says `length` while `url` bytes follow. */
function helloWithUrlLength(length: number, url: Buffer): Buffer {
  return frame('HELF', Buffer.concat([uint32(0), uint32(65535), uint32(65535), uint32(0), uint32(0), int32(length), url]));
}

function msg(context: CaseContext, body: Buffer, overrides: { channelId?: number; tokenId?: number } = {}): Buffer {
  const channel = context.channel!;
  return encodeSecureMessage('MSG', { channelId: overrides.channelId ?? channel.channelId, tokenId: overrides.tokenId ?? channel.tokenId }, 2, 2, body);
}

/** A None OpenSecureChannel split into its headers (after the 8-byte message header) and its request body. */
function openNoneParts(): { headers: Buffer; body: Buffer } {
  const open = encodeOpenSecureChannelNone({ sequenceNumber: 1, requestId: 1 });
  const body = encodeServiceBody(new OpenSecureChannelRequest({ clientProtocolVersion: 0, requestType: SecurityTokenRequestType.Issue, securityMode: MessageSecurityMode.None, clientNonce: Buffer.alloc(0), requestedLifetime: 60_000 }));
  return { headers: open.subarray(8, open.length - body.length), body };
}

const getEndpoints = (context: CaseContext) => encodeServiceBody(new GetEndpointsRequest({ endpointUrl: context.url }));

/** GetEndpoints with its endpointUrl length field replaced. */
function getEndpointsWithUrlLength(context: CaseContext, length: number): Buffer {
  const body = getEndpoints(context);
  const url = Buffer.from(context.url, 'utf8');
  const at = body.indexOf(Buffer.concat([int32(url.length), url]));
  if (at < 0) throw new Error('endpointUrl not found in the encoded GetEndpoints request');
  return Buffer.concat([body.subarray(0, at), int32(length), body.subarray(at + 4)]);
}

/** GetEndpoints whose localeIds array (the first array after the URL) says `length` elements. */
function getEndpointsWithLocaleCount(context: CaseContext, length: number): Buffer {
  const body = getEndpoints(context);
  const url = Buffer.from(context.url, 'utf8');
  const at = body.indexOf(Buffer.concat([int32(url.length), url]));
  const arrayAt = at + 4 + url.length;
  return Buffer.concat([body.subarray(0, arrayAt), int32(length), body.subarray(arrayAt + 4)]);
}

/** The corpus, in execution order. Write cases appear only when a writable subject was found. */
export function buildOpcuaCorpus(options: { withWrites: boolean; withRange: boolean }): OpcuaFuzzCase[] {
  const cases: OpcuaFuzzCase[] = [
    // Message framing, before anything else.
    { id: 'frame.unknown-message-type', category: 'message framing', description: 'a message of type "XYZ" before Hello', preamble: 'none', bytes: () => frame('XYZF', Buffer.alloc(8)), expect: { allowed: REFUSE } },
    { id: 'frame.size-below-header', category: 'message framing', description: 'a Hello header announcing 4 bytes, less than the header itself', preamble: 'none', bytes: () => frame('HELF', Buffer.alloc(24), 4), expect: { allowed: REFUSE } },
    { id: 'frame.size-huge', category: 'message framing', description: 'a Hello header announcing 2 GiB, with 24 bytes following', preamble: 'none', bytes: () => frame('HELF', Buffer.alloc(24), 0x7fffffff), expect: { allowed: [...REFUSE, 'silence'] } },
    { id: 'frame.above-negotiated-size', category: 'message framing', description: 'after Hello, a MSG chunk 1 KiB larger than the receive buffer the device acknowledged', preamble: 'hello', bytes: (c) => frame('MSGF', Buffer.alloc(Math.min(c.ack!.receiveBufferSize, SANE_ACK) + 1024 - 8, 0x41)), expect: { allowed: REFUSE } },
    { id: 'frame.truncated-chunk', category: 'message framing', description: 'after Hello, a MSG header announcing 200 bytes followed by only 40', preamble: 'hello', bytes: () => frame('MSGF', Buffer.alloc(40, 0x42), 200), expect: { allowed: [...REFUSE, 'silence'] } },
    // Hello.
    { id: 'hello.zero-receive-buffer', category: 'Hello', description: 'Hello with ReceiveBufferSize 0', preamble: 'none', bytes: (c) => encodeHello(c.url, { receiveBufferSize: 0 }), expect: { allowed: REFUSE } },
    { id: 'hello.zero-send-buffer', category: 'Hello', description: 'Hello with SendBufferSize 0', preamble: 'none', bytes: (c) => encodeHello(c.url, { sendBufferSize: 0 }), expect: { allowed: REFUSE } },
    { id: 'hello.tiny-buffers', category: 'Hello', description: 'Hello with 1-byte buffers (the minimum is 8192)', preamble: 'none', bytes: (c) => encodeHello(c.url, { receiveBufferSize: 1, sendBufferSize: 1 }), expect: { allowed: REFUSE } },
    { id: 'hello.huge-buffers', category: 'Hello', description: 'Hello with every size and count at 0xFFFFFFFF', preamble: 'none', bytes: (c) => encodeHello(c.url, { receiveBufferSize: 0xffffffff, sendBufferSize: 0xffffffff, maxMessageSize: 0xffffffff, maxChunkCount: 0xffffffff }), expect: { allowed: [...REFUSE, 'ack'], maxAckBufferBytes: SANE_ACK } },
    { id: 'hello.protocol-version-max', category: 'Hello', description: 'Hello with ProtocolVersion 0xFFFFFFFF', preamble: 'none', bytes: (c) => encodeHello(c.url, { protocolVersion: 0xffffffff }), expect: { allowed: [...REFUSE, 'ack'], maxAckBufferBytes: SANE_ACK } },
    { id: 'hello.url-too-long', category: 'Hello', description: 'Hello with an EndpointUrl of 5000 bytes (the limit is 4096)', preamble: 'none', bytes: (c) => encodeHello(`${c.url}/${'a'.repeat(5000)}`), expect: { allowed: REFUSE } },
    { id: 'hello.url-length-beyond-message', category: 'Hello', description: 'Hello whose EndpointUrl length says 0x7FFFFFFF bytes while 10 follow', preamble: 'none', bytes: () => helloWithUrlLength(0x7fffffff, Buffer.from('opc.tcp://')), expect: { allowed: REFUSE } },
    { id: 'hello.url-length-negative', category: 'Hello', description: 'Hello whose EndpointUrl length is -2', preamble: 'none', bytes: () => helloWithUrlLength(-2, Buffer.alloc(0)), expect: { allowed: REFUSE } },
    {
      id: 'hello.truncated',
      category: 'Hello',
      description: 'a Hello cut after its protocol version (12 bytes, header consistent)',
      preamble: 'none',
      bytes: (c) => {
        const truncated = Buffer.from(encodeHello(c.url).subarray(0, 12));
        truncated.writeUInt32LE(12, 4);
        return truncated;
      },
      expect: { allowed: REFUSE },
    },
    { id: 'hello.repeated', category: 'Hello', description: 'a second Hello after the Acknowledge', preamble: 'hello', bytes: (c) => encodeHello(c.url), expect: { allowed: [...REFUSE, 'silence'] } },
    // Secure channel.
    { id: 'channel.open-before-hello', category: 'secure channel', description: 'OpenSecureChannel without Hello', preamble: 'none', bytes: () => encodeOpenSecureChannelNone({ sequenceNumber: 1, requestId: 1 }), expect: { allowed: REFUSE } },
    { id: 'channel.message-before-open', category: 'secure channel', description: 'after Hello, a GetEndpoints MSG on channel 1 that was never opened', preamble: 'hello', bytes: (c) => encodeSecureMessage('MSG', { channelId: 1, tokenId: 1 }, 1, 1, getEndpoints(c)), expect: { allowed: REFUSE_OR_FAULT } },
    {
      id: 'channel.unknown-policy',
      category: 'secure channel',
      description: 'OpenSecureChannel naming SecurityPolicy#Nonexistent',
      preamble: 'hello',
      bytes: () => {
        const open = encodeOpenSecureChannelNone({ sequenceNumber: 1, requestId: 1 });
        const none = Buffer.from('http://opcfoundation.org/UA/SecurityPolicy#None');
        const bogus = Buffer.from('http://opcfoundation.org/UA/SecurityPolicy#Nonexistent');
        const at = open.indexOf(none);
        return frame('OPNF', Buffer.concat([open.subarray(8, at - 4), int32(bogus.length), bogus, open.subarray(at + none.length)]));
      },
      expect: { allowed: REFUSE },
    },
    {
      id: 'channel.open-truncated',
      category: 'secure channel',
      description: 'OpenSecureChannel whose request body stops after its type id',
      preamble: 'hello',
      bytes: () => {
        const { headers, body } = openNoneParts();
        return frame('OPNF', Buffer.concat([headers, body.subarray(0, 4)]));
      },
      expect: { allowed: REFUSE },
    },
    { id: 'channel.open-wrong-request', category: 'secure channel', description: 'an OPN message carrying a GetEndpoints request', preamble: 'hello', bytes: (c) => frame('OPNF', Buffer.concat([openNoneParts().headers, getEndpoints(c)])), expect: { allowed: REFUSE } },
    { id: 'channel.wrong-channel-id', category: 'secure channel', description: 'a GetEndpoints MSG naming another channel id', preamble: 'channel', bytes: (c) => msg(c, getEndpoints(c), { channelId: c.channel!.channelId + 1000 }), expect: { allowed: REFUSE_OR_FAULT } },
    { id: 'channel.wrong-token-id', category: 'secure channel', description: 'a GetEndpoints MSG naming another security token', preamble: 'channel', bytes: (c) => msg(c, getEndpoints(c), { tokenId: c.channel!.tokenId + 7 }), expect: { allowed: REFUSE_OR_FAULT } },
    // Service encodings on a None channel (discovery services, no session).
    { id: 'service.unknown-type-id', category: 'service encoding', description: 'a MSG whose body names encoding id i=99999', preamble: 'channel', bytes: (c) => msg(c, Buffer.concat([Buffer.from([0x02, 0x00, 0x00, 0x9f, 0x86, 0x01, 0x00]), Buffer.alloc(32)])), expect: { allowed: REFUSE_OR_FAULT } },
    { id: 'service.truncated-request', category: 'service encoding', description: 'a GetEndpoints request cut in the middle', preamble: 'channel', bytes: (c) => { const body = getEndpoints(c); return msg(c, body.subarray(0, Math.floor(body.length / 2))); }, expect: { allowed: REFUSE_OR_FAULT } },
    { id: 'service.string-length-huge', category: 'service encoding', description: 'GetEndpoints whose endpointUrl length says 0x7FFFFFF0 bytes', preamble: 'channel', bytes: (c) => msg(c, getEndpointsWithUrlLength(c, 0x7ffffff0)), expect: { allowed: REFUSE_OR_FAULT } },
    { id: 'service.array-length-huge', category: 'service encoding', description: 'GetEndpoints whose localeIds array says 0x7FFFFFFF elements', preamble: 'channel', bytes: (c) => msg(c, getEndpointsWithLocaleCount(c, 0x7fffffff)), expect: { allowed: REFUSE_OR_FAULT } },
    { id: 'service.array-length-negative', category: 'service encoding', description: 'GetEndpoints whose localeIds array length is -5 (only -1 means null)', preamble: 'channel', bytes: (c) => msg(c, getEndpointsWithLocaleCount(c, -5)), expect: { allowed: [...REFUSE_OR_FAULT, 'response'] } },
    {
      id: 'service.create-session-truncated',
      category: 'service encoding',
      description: 'a CreateSession request cut after its request header',
      preamble: 'channel',
      bytes: (c) => {
        const body = encodeServiceBody(new CreateSessionRequest({ endpointUrl: c.url, sessionName: 'iec62443-harness fuzz', requestedSessionTimeout: 10_000 }));
        return msg(c, body.subarray(0, 40));
      },
      expect: { allowed: REFUSE_OR_FAULT },
    },
    {
      id: 'service.bad-node-id-encoding',
      category: 'service encoding',
      description: 'GetEndpoints whose request header authentication token has NodeId encoding byte 0x3F',
      preamble: 'channel',
      bytes: (c) => {
        const body = Buffer.from(getEndpoints(c));
        // The body starts with the 4-byte type id, then the RequestHeader whose first field is the token (0x00 0x00 when null).
        body[4] = 0x3f;
        return msg(c, body);
      },
      expect: { allowed: REFUSE_OR_FAULT },
    },
  ];
  if (options.withWrites) {
    cases.push(
      {
        id: 'write.wrong-type',
        category: 'write values',
        description: 'Write of a String to a numeric variable',
        preamble: 'none',
        write: async (session, subject) => ({ status: await session.write(subject.nodeId, 'String', 'iec62443-harness'), sent: `Write String "iec62443-harness" to ${subject.nodeId} (${subject.dataType})` }),
        expect: { allowed: ['bad-status'] },
      },
      {
        id: 'write.array-to-scalar',
        category: 'write values',
        description: 'Write of an array of three values to a scalar variable',
        preamble: 'none',
        write: async (session, subject) => ({ status: await session.write(subject.nodeId, subject.dataType, [subject.value, subject.value, subject.value]), sent: `Write ${subject.dataType}[3] to scalar ${subject.nodeId}` }),
        expect: { allowed: ['bad-status'] },
      },
      {
        id: 'write.null-value',
        category: 'write values',
        description: 'Write of a Null value to a numeric variable',
        preamble: 'none',
        write: async (session, subject) => ({ status: await session.write(subject.nodeId, 'Null', null), sent: `Write Null to ${subject.nodeId}` }),
        expect: { allowed: ['bad-status'] },
      },
    );
    if (options.withRange) {
      cases.push({
        id: 'write.out-of-range',
        category: 'write values',
        description: 'Write of a value far above the range the variable declares (InstrumentRange or EURange)',
        preamble: 'none',
        write: async (session, subject) => {
          const value = outOfRange(subject);
          return { status: await session.write(subject.nodeId, subject.dataType, value), sent: `Write ${subject.dataType} ${value} to ${subject.nodeId} (range ${subject.range!.low}..${subject.range!.high})` };
        },
        expect: { allowed: ['bad-status'] },
      });
    }
  }
  return cases;
}

/** Every case id the corpus can hold, without a device: `run --replay` tells OPC UA ids from other protocols' by these. */
export const OPCUA_CASE_IDS: readonly string[] = buildOpcuaCorpus({ withWrites: true, withRange: true }).map((entry) => entry.id);

export function outOfRange(subject: WriteSubject): number {
  const { low, high } = subject.range!;
  const value = high + Math.max(1, high - low) * 10;
  return subject.dataType === 'Double' || subject.dataType === 'Float' ? value : Math.round(value);
}

export function describeExpectation(expect: OpcuaFuzzExpectation): string {
  const words: Record<OutcomeKind, string> = {
    ack: `an Acknowledge with buffers of at most ${(expect.maxAckBufferBytes ?? SANE_ACK) / 1024 / 1024} MiB`,
    error: 'an Error message',
    channel: 'an opened channel',
    fault: 'a ServiceFault',
    response: 'a normal response',
    closed: 'a close',
    silence: 'the message left pending while others are served',
    'bad-status': 'a Bad status',
    'good-status': 'a Good status',
  };
  return expect.allowed.map((kind) => words[kind]).join(', or ');
}

export function describeOutcome(outcome: FuzzOutcome): string {
  switch (outcome.kind) {
    case 'ack':
      return `Acknowledge (version ${outcome.ack.protocolVersion}, receive ${outcome.ack.receiveBufferSize}, send ${outcome.ack.sendBufferSize}, max message ${outcome.ack.maxMessageSize}, max chunks ${outcome.ack.maxChunkCount})`;
    case 'error':
      return `Error ${formatStatus(outcome.status)}${outcome.reason ? ` "${outcome.reason.slice(0, 80)}"` : ''}`;
    case 'channel':
      return 'secure channel opened';
    case 'fault':
      return `ServiceFault ${formatStatus(outcome.status)}`;
    case 'response':
      return `response ${outcome.typeId}`;
    case 'closed':
      return 'connection closed';
    case 'silence':
      return `no answer within ${Math.round(outcome.afterMs)} ms`;
    case 'bad-status':
    case 'good-status':
      return `Write answered ${formatStatus(outcome.status)}`;
  }
}

export function judgeOutcome(fuzzCase: OpcuaFuzzCase, outcome: FuzzOutcome): { ok: boolean; problem?: string } {
  if (!fuzzCase.expect.allowed.includes(outcome.kind)) return { ok: false, problem: `${describeOutcome(outcome)} instead of ${describeExpectation(fuzzCase.expect)}` };
  if (outcome.kind === 'ack' && fuzzCase.expect.maxAckBufferBytes !== undefined) {
    const largest = Math.max(outcome.ack.receiveBufferSize, outcome.ack.sendBufferSize);
    if (largest > fuzzCase.expect.maxAckBufferBytes) return { ok: false, problem: `acknowledged buffers of ${largest} bytes: the device takes whatever size a client names` };
  }
  return { ok: true };
}

const SERVICE_FAULT = (ServiceFault as unknown as { encodingDefaultBinary: { toString(): string } }).encodingDefaultBinary.toString();

/** Reads a device answer to a raw case into an outcome. */
function outcomeOf(message: RawMessage | undefined): FuzzOutcome {
  if (!message) return { kind: 'closed' };
  switch (message.type) {
    case 'ACK': {
      const body = message.body;
      return { kind: 'ack', ack: { protocolVersion: body.readUInt32LE(0), receiveBufferSize: body.readUInt32LE(4), sendBufferSize: body.readUInt32LE(8), maxMessageSize: body.readUInt32LE(12), maxChunkCount: body.readUInt32LE(16) } };
    }
    case 'ERR': {
      const length = message.body.length >= 8 ? message.body.readInt32LE(4) : 0;
      return { kind: 'error', status: statusOfCode(message.body.readUInt32LE(0)), reason: length > 0 ? message.body.toString('utf8', 8, 8 + Math.min(length, message.body.length - 8)) : '' };
    }
    case 'OPN':
      return { kind: 'channel' };
    default: {
      try {
        const secure = decodeSecureMessage(message);
        if (secure.typeId === SERVICE_FAULT) {
          const fault = new ServiceFault();
          fault.decode(secure.body);
          return { kind: 'fault', status: statusValue(fault.responseHeader.serviceResult) };
        }
        return { kind: 'response', typeId: secure.typeId };
      } catch {
        return { kind: 'response', typeId: `${message.type}${message.chunk} (undecodable)` };
      }
    }
  }
}

export interface OpcuaFuzzOptions {
  url: string;
  connectTimeoutMs: number;
  /** Upper bound of the wait for one case's answer. */
  caseTimeoutMs: number;
  liveness: FuzzLiveness;
  /** The session and variable of the write cases; they are not run without. */
  writer?: { session: () => Promise<OpcuaSession>; reset: () => Promise<void>; subject: WriteSubject };
  log?: (line: string) => void;
  /** Raw cases sent at the same time, each on its own connection; default 8. */
  batchSize?: number;
}

/** Sends one raw case on a connection of its own and reads the answer. */
async function runRawCase(fuzzCase: OpcuaFuzzCase, options: OpcuaFuzzOptions, signal: AbortSignal): Promise<{ outcome: FuzzOutcome; sent: Buffer; latencyMs?: number } | { skipped: string }> {
  const { host, port } = parseOpcTcpUrl(options.url);
  const connection = await RawUaConnection.connect(host, port, options.connectTimeoutMs, signal);
  try {
    const context: CaseContext = { url: options.url };
    if (fuzzCase.preamble !== 'none') {
      const hello = await connection.hello(options.url, options.caseTimeoutMs, signal);
      if (hello.kind !== 'ack') return { skipped: `the device did not acknowledge a normal Hello (${hello.kind === 'error' ? formatStatus(hello.status) : 'closed'})` };
      context.ack = hello.ack;
    }
    if (fuzzCase.preamble === 'channel') {
      connection.send(encodeOpenSecureChannelNone({ sequenceNumber: 1, requestId: 1 }));
      const answer = await connection.receive(options.caseTimeoutMs, signal);
      if (answer?.type !== 'OPN') return { skipped: `the device opens no secure channel with SecurityPolicy None (${answer ? `answered ${answer.type}` : 'closed'}), so service encodings cannot be sent without a session` };
      const response = decodeSecureMessage(answer);
      const opened = new OpenSecureChannelResponse();
      opened.decode(response.body);
      context.channel = { channelId: opened.securityToken.channelId, tokenId: opened.securityToken.tokenId, revisedLifetimeMs: opened.securityToken.revisedLifetime };
    }
    const sent = fuzzCase.bytes!(context);
    const sentAt = performance.now();
    connection.send(sent);
    try {
      const answer = await connection.receive(options.caseTimeoutMs, signal);
      return { outcome: outcomeOf(answer), sent, latencyMs: Math.round(performance.now() - sentAt) };
    } catch (error) {
      if (error instanceof OpcuaTimeoutError && !signal.aborted) return { outcome: { kind: 'silence', afterMs: performance.now() - sentAt }, sent };
      if (signal.aborted) throw error;
      // A reset counts as a close: the device dropped the connection.
      return { outcome: { kind: 'closed' }, sent, latencyMs: Math.round(performance.now() - sentAt) };
    }
  } finally {
    connection.close();
  }
}

const ANSWERS: Record<OutcomeKind, AnswerKind> = {
  ack: 'response',
  channel: 'response',
  response: 'response',
  'good-status': 'response',
  error: 'refusal',
  fault: 'refusal',
  'bad-status': 'refusal',
  closed: 'closed',
  silence: 'silence',
};

const CREATE_SESSION_RESPONSE = (CreateSessionResponse as unknown as { encodingDefaultBinary: { toString(): string } }).encodingDefaultBinary.toString();

/** What the device did on the invalid input that a robust stack does not do. */
function sideEffectOf(outcome: FuzzOutcome): string | undefined {
  if (outcome.kind === 'good-status') return 'write executed';
  if (outcome.kind === 'channel') return 'secure channel opened';
  if (outcome.kind === 'response' && outcome.typeId === CREATE_SESSION_RESPONSE) return 'session created';
  return undefined;
}

function observe(fuzzCase: OpcuaFuzzCase, outcome: FuzzOutcome, sent: string, latencyMs?: number, servedOthers?: { ok: boolean; detail: string }): CaseObservation {
  return {
    sent,
    answer: ANSWERS[outcome.kind],
    observed: describeOutcome(outcome),
    problem: judgeOutcome(fuzzCase, outcome).problem,
    latencyMs,
    sideEffect: sideEffectOf(outcome),
    servedOthers,
    designedWaitMs: outcome.kind === 'silence' && fuzzCase.expect.allowed.includes('silence') ? Math.round(outcome.afterMs) : undefined,
  };
}

/**
 * How the CR 3.5 runner (core/fuzz) sends OPC UA cases: each raw case on a connection of its own, a batch of them at
 * the same time; each write case alone on the writer's session, the variable's value put back when the device takes it.
 */
export function opcuaFuzzDriver(options: OpcuaFuzzOptions): FuzzDriver<OpcuaFuzzCase> {
  const runRaw = async (fuzzCase: OpcuaFuzzCase, signal: AbortSignal): Promise<CaseRun> => {
    try {
      const result = await runRawCase(fuzzCase, options, signal);
      if ('skipped' in result) return result;
      // Pending is only acceptable when the device keeps serving: checked while the message is still pending.
      const servedOthers = result.outcome.kind === 'silence' ? await options.liveness.probe(signal) : undefined;
      return observe(fuzzCase, result.outcome, result.sent.toString('hex'), result.latencyMs, servedOthers);
    } catch (error) {
      if (signal.aborted) throw error;
      return { failed: `could not run the case: ${(error as Error).message}` };
    }
  };
  const runWrite = async (fuzzCase: OpcuaFuzzCase, signal: AbortSignal): Promise<CaseRun> => {
    const writer = options.writer!;
    try {
      let session = await writer.session();
      let { status, sent } = await fuzzCase.write!(session, writer.subject);
      if (/^BadSession(IdInvalid|Closed|NotActivated)$/.test(status.name)) {
        // The device ended the writer's session (an idle timeout, say): that says nothing about the value; once more.
        await writer.reset();
        session = await writer.session();
        ({ status, sent } = await fuzzCase.write!(session, writer.subject));
      }
      const observation = observe(fuzzCase, isGood(status) ? { kind: 'good-status', status } : { kind: 'bad-status', status }, sent);
      if (isGood(status)) {
        // The device took the value: the process gets its own value back.
        const restored = await session.write(writer.subject.nodeId, writer.subject.dataType, writer.subject.value);
        options.log?.(`${fuzzCase.id}: accepted; ${writer.subject.nodeId} written back to ${writer.subject.value} (${formatStatus(restored)})`);
      }
      return observation;
    } catch (error) {
      if (signal.aborted) throw error;
      return { failed: `could not run the case: ${(error as Error).message}` };
    }
  };

  return {
    liveness: options.liveness,
    batches(corpus) {
      const raw = corpus.filter((entry) => entry.bytes);
      const batchSize = Math.max(1, options.batchSize ?? 8);
      const batches: OpcuaFuzzCase[][] = [];
      for (let index = 0; index < raw.length; index += batchSize) batches.push(raw.slice(index, index + batchSize));
      if (options.writer) for (const entry of corpus.filter((candidate) => candidate.write)) batches.push([entry]);
      return batches;
    },
    expected: (fuzzCase) => describeExpectation(fuzzCase.expect),
    send: (batch, signal) => Promise.all(batch.map((entry) => (entry.write ? runWrite(entry, signal) : runRaw(entry, signal)))),
  };
}
