import type { CaseRun, FuzzCase as RunnerCase, FuzzDriver, FuzzLiveness } from '../../core/fuzz/engine.js';
import type { CipPoint } from './endpoint.js';
import { EnipConnection, EnipError, openSession, type EnipTarget } from './session.js';
import {
  Command,
  decodeCipResponse,
  encapStatusName,
  encodeCipRequest,
  encodeCpf,
  encodeFrame,
  encodePath,
  generalStatusName,
  hex,
  ItemType,
  registerSessionData,
  sendRRData,
  Service,
  unconnectedMessage,
  type EncapFrame,
} from './wire.js';

/**
 * The CR 3.5 corpus of EtherNet/IP: malformed encapsulation headers (unknown commands, lying or huge lengths, a
 * truncated header), RegisterSession with a wrong revision or size, SendRRData on sessions that do not exist, broken
 * common packet format, and CIP requests with unknown services, classes, instances, attributes and broken paths.
 * Every case goes out on a connection of its own (a session registered first where the case needs one), so a device
 * that rightly drops the connection is judged on that case alone. No case writes: Set services are never sent.
 */

export interface Expectation {
  /** Encapsulation statuses that are a right refusal. */
  encap?: number[];
  /** CIP general statuses that are a right refusal (for cases inside a valid SendRRData). */
  cip?: number[];
  /** A normal answer is acceptable too. */
  response?: boolean;
  /** The device may close the connection. */
  close?: boolean;
  /** No reply is acceptable (the frame waits incomplete or is discarded); the device must serve others meanwhile. */
  silence?: boolean;
}

export interface FuzzCase extends RunnerCase {
  /** The bytes sent; for a case on a session, the session handle is written at offset 4 when it is sent. */
  bytes: Buffer;
  onSession: boolean;
  expect: Expectation;
}

export const CATEGORIES = ['unknown command', 'length', 'truncated header', 'register session', 'session handle', 'common packet format', 'CIP service', 'CIP path', 'CIP data'] as const;

const IDENTITY_VENDOR: CipPoint = { class: 0x01, instance: 1, attribute: 1 };

function cipFrame(cip: Buffer): Buffer {
  return encodeFrame({ command: Command.sendRRData, data: sendRRData(cip) });
}

function rrDataWithItems(items: Buffer, lengthOverride?: number): Buffer {
  const head = Buffer.from([0, 0, 0, 0, 5, 0]);
  return encodeFrame({ command: Command.sendRRData, data: Buffer.concat([head, items]), ...(lengthOverride !== undefined ? { length: lengthOverride } : {}) });
}

/** The corpus, in execution order. Deterministic: a replayed case is byte for byte the one the check sent. */
export function buildCorpus(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (entry: FuzzCase) => cases.push(entry);
  const closeOrSilence: Expectation = { close: true, silence: true };

  for (const command of [0x0006, 0x00ff, 0xffff]) {
    add({
      id: `command.unknown-0x${command.toString(16).padStart(4, '0')}`,
      category: 'unknown command',
      description: `encapsulation command 0x${command.toString(16)} that no EtherNet/IP device implements`,
      bytes: encodeFrame({ command }),
      onSession: false,
      expect: { encap: [0x0001], close: true },
    });
  }
  add({
    id: 'length.announces-more',
    category: 'length',
    description: 'ListIdentity whose header announces 100 bytes of data while 4 follow: the device must wait or drop it, and keep serving others',
    bytes: Buffer.concat([encodeFrame({ command: Command.listIdentity, length: 100 }), Buffer.alloc(4)]),
    onSession: false,
    expect: { encap: [0x0065], ...closeOrSilence },
  });
  add({
    id: 'length.huge-0xffff',
    category: 'length',
    description: 'RegisterSession whose header announces 65535 bytes of data (more than the encapsulation allows) with 16 following',
    bytes: Buffer.concat([encodeFrame({ command: Command.registerSession, length: 0xffff }), registerSessionData(), Buffer.alloc(12)]),
    onSession: false,
    expect: { encap: [0x0065, 0x0002], ...closeOrSilence },
  });
  add({
    id: 'length.data-on-list-services',
    category: 'length',
    description: 'ListServices carrying 8 bytes of data where the command takes none',
    bytes: encodeFrame({ command: Command.listServices, data: Buffer.alloc(8) }),
    onSession: false,
    expect: { encap: [0x0065, 0x0003], response: true, close: true },
  });
  add({
    id: 'header.truncated-12',
    category: 'truncated header',
    description: 'the first 12 bytes of a RegisterSession header, then nothing',
    bytes: encodeFrame({ command: Command.registerSession, data: registerSessionData() }).subarray(0, 12),
    onSession: false,
    expect: closeOrSilence,
  });
  for (const version of [0, 2, 0xffff]) {
    add({
      id: `register.version-${version}`,
      category: 'register session',
      description: `RegisterSession asking for encapsulation protocol version ${version} (only 1 exists)`,
      bytes: encodeFrame({ command: Command.registerSession, data: registerSessionData(version) }),
      onSession: false,
      expect: { encap: [0x0069], close: true },
    });
  }
  for (const size of [2, 8]) {
    add({
      id: `register.data-${size}-bytes`,
      category: 'register session',
      description: `RegisterSession with ${size} bytes of data instead of 4`,
      bytes: encodeFrame({ command: Command.registerSession, data: Buffer.concat([registerSessionData(), Buffer.alloc(4)]).subarray(0, size) }),
      onSession: false,
      expect: { encap: [0x0065, 0x0003], close: true },
    });
  }
  for (const [name, handle] of [['zero', 0], ['unknown', 0xdeadbeef]] as const) {
    add({
      id: `session.${name}-handle`,
      category: 'session handle',
      description: `SendRRData reading the Identity vendor id on session handle 0x${handle.toString(16)} without RegisterSession`,
      bytes: encodeFrame({ command: Command.sendRRData, session: handle, data: sendRRData(encodeCipRequest(Service.getAttributeSingle, encodePath(IDENTITY_VENDOR))) }),
      onSession: false,
      expect: { encap: [0x0064], close: true },
    });
  }
  add({
    id: 'cpf.no-items',
    category: 'common packet format',
    description: 'SendRRData whose common packet format holds no item',
    bytes: rrDataWithItems(encodeCpf([])),
    onSession: true,
    expect: { encap: [0x0003], close: true },
  });
  add({
    id: 'cpf.item-length-lies',
    category: 'common packet format',
    description: 'SendRRData whose unconnected data item announces 200 bytes while 8 follow',
    bytes: rrDataWithItems(Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0xb2, 0x00, 200, 0]), encodeCipRequest(Service.getAttributeSingle, encodePath(IDENTITY_VENDOR))])),
    onSession: true,
    expect: { encap: [0x0003, 0x0065], close: true },
  });
  add({
    id: 'cpf.no-data-item',
    category: 'common packet format',
    description: 'SendRRData with a null address item and no data item',
    bytes: rrDataWithItems(encodeCpf([{ type: ItemType.nullAddress, data: Buffer.alloc(0) }])),
    onSession: true,
    expect: { encap: [0x0003], close: true },
  });
  add({
    id: 'cpf.payload-3-bytes',
    category: 'common packet format',
    description: 'SendRRData whose data (3 bytes) is shorter than the interface handle and timeout',
    bytes: encodeFrame({ command: Command.sendRRData, data: Buffer.from([0, 0, 0]) }),
    onSession: true,
    expect: { encap: [0x0003, 0x0065], close: true },
  });
  for (const service of [0x00, 0x3a, 0x7f]) {
    add({
      id: `cip.service-0x${service.toString(16).padStart(2, '0')}`,
      category: 'CIP service',
      description: `CIP service 0x${service.toString(16)} (not a defined common service) on the Identity object`,
      bytes: cipFrame(encodeCipRequest(service, encodePath({ class: 1, instance: 1 }))),
      onSession: true,
      expect: { cip: [0x08] },
    });
  }
  add({
    id: 'cip.class-0xe0',
    category: 'CIP path',
    description: 'Get_Attribute_Single on class 0xE0, a class id the CIP reserves',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, encodePath({ class: 0xe0, instance: 1, attribute: 1 }))),
    onSession: true,
    expect: { cip: [0x05, 0x16, 0x08] },
  });
  add({
    id: 'cip.instance-0x99',
    category: 'CIP path',
    description: 'Get_Attribute_Single on Identity instance 0x99, which a single-identity device lacks',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, encodePath({ class: 1, instance: 0x99, attribute: 1 }))),
    onSession: true,
    expect: { cip: [0x16, 0x05], response: true },
  });
  add({
    id: 'cip.attribute-0xff',
    category: 'CIP path',
    description: 'Get_Attribute_Single on Identity attribute 255, which the object does not define',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, encodePath({ class: 1, instance: 1, attribute: 0xff }))),
    onSession: true,
    expect: { cip: [0x14, 0x05] },
  });
  add({
    id: 'cip.path-size-beyond-message',
    category: 'CIP path',
    description: 'Get_Attribute_Single announcing a 10-word path while 3 words follow',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, encodePath(IDENTITY_VENDOR), Buffer.alloc(0), 10)),
    onSession: true,
    expect: { cip: [0x04, 0x05, 0x13], encap: [0x0003] },
  });
  add({
    id: 'cip.path-empty',
    category: 'CIP path',
    description: 'Get_Attribute_Single with an empty path',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, Buffer.alloc(0))),
    onSession: true,
    expect: { cip: [0x04, 0x05] },
  });
  add({
    id: 'cip.segment-0xff',
    category: 'CIP path',
    description: 'Get_Attribute_Single whose path holds segment type 0xFF, which the EPATH does not define',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, Buffer.from([0xff, 0x01, 0x24, 0x01]))),
    onSession: true,
    expect: { cip: [0x04] },
  });
  add({
    id: 'cip.empty-message',
    category: 'CIP data',
    description: 'SendRRData whose unconnected data item is empty (no CIP service at all)',
    bytes: cipFrame(Buffer.alloc(0)),
    onSession: true,
    expect: { cip: [0x04, 0x08, 0x13], encap: [0x0003], close: true },
  });
  add({
    id: 'cip.get-with-data',
    category: 'CIP data',
    description: 'Get_Attribute_Single on the Identity vendor id carrying 16 bytes of data it does not take',
    bytes: cipFrame(encodeCipRequest(Service.getAttributeSingle, encodePath(IDENTITY_VENDOR), Buffer.alloc(16, 0x41))),
    onSession: true,
    expect: { cip: [0x15], response: true },
  });
  return cases;
}

export const CASE_IDS: readonly string[] = buildCorpus().map((entry) => entry.id);

export function describeExpectation(expect: Expectation): string {
  const parts = [
    ...(expect.encap ? [`encapsulation status ${expect.encap.map(encapStatusName).join(' or ')}`] : []),
    ...(expect.cip ? [`CIP general status ${expect.cip.map(generalStatusName).join(' or ')}`] : []),
    ...(expect.response ? ['a normal answer'] : []),
    ...(expect.close ? ['a closed connection'] : []),
    ...(expect.silence ? ['no answer while other connections are served'] : []),
  ];
  return parts.join(', or ');
}

type Outcome = { kind: 'frame'; frame: EncapFrame; latencyMs: number } | { kind: 'closed' } | { kind: 'silence'; afterMs: number } | { kind: 'malformed'; detail: string };

/** Reads one answer against the case's expectation, in the protocol's words. */
function observe(fuzzCase: FuzzCase, sent: Buffer, outcome: Outcome, servedOthers?: { ok: boolean; detail: string }): CaseRun {
  const { expect } = fuzzCase;
  const base = { sent: hex(sent), ...(servedOthers ? { servedOthers } : {}) };
  if (outcome.kind === 'closed') return { ...base, answer: 'closed', observed: 'connection closed', ...(expect.close ? {} : { problem: 'closed the connection instead of answering with a status' }) };
  if (outcome.kind === 'malformed') return { ...base, answer: 'malformed', observed: outcome.detail, problem: 'the answer is not an EtherNet/IP message' };
  if (outcome.kind === 'silence') {
    const problem = !expect.silence ? `no answer within ${Math.round(outcome.afterMs)} ms` : servedOthers && !servedOthers.ok ? `other connections were not served while it was pending (${servedOthers.detail})` : undefined;
    return { ...base, answer: 'silence', observed: `no answer within ${Math.round(outcome.afterMs)} ms`, ...(problem ? { problem } : {}), ...(expect.silence ? { designedWaitMs: outcome.afterMs } : {}) };
  }
  const { frame, latencyMs } = outcome;
  if (frame.status !== 0) {
    const observed = `encapsulation status ${encapStatusName(frame.status)}`;
    return { ...base, latencyMs, answer: 'refusal', observed, ...(expect.encap?.includes(frame.status) ? {} : { problem: `answered ${observed}` }) };
  }
  if (frame.command === Command.sendRRData) {
    const message = unconnectedMessage(frame.data);
    const response = message && decodeCipResponse(message);
    if (!response) return { ...base, latencyMs, answer: 'malformed', observed: 'SendRRData reply without a readable CIP response', problem: 'the reply carries no CIP response' };
    if (response.generalStatus !== 0) {
      const observed = `CIP general status ${generalStatusName(response.generalStatus)}`;
      return { ...base, latencyMs, answer: 'refusal', observed, ...(expect.cip?.includes(response.generalStatus) ? {} : { problem: `answered ${observed}` }) };
    }
    return { ...base, latencyMs, answer: 'response', observed: `CIP success with ${response.data.length} bytes`, ...(expect.response ? {} : { problem: 'served the malformed request as if it were valid' }) };
  }
  return { ...base, latencyMs, answer: 'response', observed: `status 0 reply to command 0x${frame.command.toString(16)}`, ...(expect.response ? {} : { problem: 'served the malformed message as if it were valid' }) };
}

export interface EnipFuzzOptions {
  target: EnipTarget;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** What the liveness probe reads (Get_Attribute_Single) on a session of its own. */
  liveness: CipPoint;
}

/** One harmless read on a session kept between probes; a fresh one after any failure. */
class EnipLiveness implements FuzzLiveness {
  private connection: EnipConnection | undefined;
  checks = 0;
  constructor(private readonly options: EnipFuzzOptions) {}

  async probe(signal: AbortSignal, timeoutMs = this.options.requestTimeoutMs): Promise<{ ok: boolean; detail: string }> {
    this.checks++;
    timeoutMs = Math.min(timeoutMs, this.options.requestTimeoutMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (!this.connection || this.connection.closed) {
          this.connection = await openSession(this.options.target, { connectTimeoutMs: Math.min(this.options.connectTimeoutMs, timeoutMs), requestTimeoutMs: timeoutMs, signal });
        }
        const response = await this.connection.getAttributeSingle(this.options.liveness, { connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, signal });
        return { ok: response.generalStatus === 0, detail: `Get_Attribute_Single: ${generalStatusName(response.generalStatus)}` };
      } catch (error) {
        if (signal.aborted) throw error;
        this.connection?.destroy();
        this.connection = undefined;
        if (attempt === 1) return { ok: false, detail: (error as Error).message };
      }
    }
    return { ok: false, detail: 'no answer' };
  }

  close(): void {
    this.connection?.destroy();
    this.connection = undefined;
  }
}

export function enipFuzzDriver(options: EnipFuzzOptions): FuzzDriver<FuzzCase> {
  const caseTimeoutMs = Math.min(options.requestTimeoutMs, 1000);
  const liveness = new EnipLiveness(options);
  const connectOptions = (signal: AbortSignal) => ({ connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, signal });

  const runCase = async (fuzzCase: FuzzCase, signal: AbortSignal): Promise<CaseRun> => {
    let connection: EnipConnection;
    try {
      connection = fuzzCase.onSession ? await openSession(options.target, connectOptions(signal)) : await EnipConnection.open(options.target, connectOptions(signal));
    } catch (error) {
      if (signal.aborted) throw error;
      return { failed: `could not ${fuzzCase.onSession ? 'register a session' : 'connect'} for this case: ${(error as Error).message}`, sent: hex(fuzzCase.bytes) };
    }
    const bytes = Buffer.from(fuzzCase.bytes);
    if (fuzzCase.onSession && bytes.length >= 8) bytes.writeUInt32LE(connection.session, 4);
    try {
      const sentAt = performance.now();
      let outcome: Outcome | undefined;
      const waiting = connection.sendRaw(bytes, caseTimeoutMs, signal).then(
        (frame): Outcome => ({ kind: 'frame', frame, latencyMs: performance.now() - sentAt }),
        (error: unknown): Outcome => {
          if (signal.aborted) throw error;
          if (error instanceof EnipError && error.reason === 'timeout') return { kind: 'silence', afterMs: performance.now() - sentAt };
          if (error instanceof EnipError && error.reason === 'malformed') return { kind: 'malformed', detail: error.message };
          return { kind: 'closed' };
        },
      );
      if (!fuzzCase.expect.silence) return observe(fuzzCase, bytes, await waiting);
      // While the case is pending on its connection, the device must still serve another one.
      const others = await liveness.probe(signal, caseTimeoutMs);
      outcome = await waiting;
      return observe(fuzzCase, bytes, outcome, others);
    } finally {
      connection.destroy();
    }
  };

  return {
    liveness,
    batches: (corpus) => corpus.map((fuzzCase) => [fuzzCase]),
    expected: (fuzzCase) => describeExpectation(fuzzCase.expect),
    sentOf: (fuzzCase) => (fuzzCase.onSession ? '' : hex(fuzzCase.bytes)),
    async send(batch, signal) {
      return [await runCase(batch[0]!, signal)];
    },
    close() {
      liveness.close();
    },
  };
}
