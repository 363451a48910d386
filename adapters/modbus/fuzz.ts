import { performance } from 'node:perf_hooks';
import type { AnswerKind, CaseObservation, CaseRun, FuzzDriver, FuzzLiveness, FuzzCase as RunnerCase } from '../../core/fuzz/engine.js';
import { pause } from '../../core/net/abort.js';
import { ModbusChannel, describeOutcome, type Outcome } from './channel.js';
import type { ModbusTarget } from './connection.js';
import { encodeFrame, exceptionName, FunctionCode, hex, Limits, Pdu, readReply, READ_FUNCTION_OF, type Table } from './wire.js';

/**
 * CR 3.5 robustness: a generated corpus of malformed Modbus/TCP requests in named categories, each with the answer
 * the Modbus application protocol prescribes, and how to send them (modbusFuzzDriver); core/fuzz runs them, with a
 * liveness read after every batch.
 *
 * Safety: no case writes inside the device's address map except write-backs of the value just read; reserved and
 * vendor programming function codes (8, 9, 10, 13, 14, 65-72, 90, 91, 100-110, 125-127) are never sent.
 */

export interface Expectation {
  /** Acceptable exception codes. */
  exceptions?: number[];
  /** A well-formed normal response is acceptable. */
  response?: boolean;
  /** The device may close the connection. */
  close?: boolean;
  /** No reply at all is acceptable (the frame was discarded). */
  silence?: boolean;
  /** Any reply must carry this unit id. */
  echoUnitId?: number;
  /** While this frame waits incomplete, other connections must still be served. */
  staysLive?: boolean;
}

export interface FuzzCase extends RunnerCase {
  bytes: Buffer;
  /** The PDU as a well-formed request would carry it, to read the reply against. */
  requestPdu: Buffer;
  transactionId: number;
  unitId: number;
  /** "fresh": sent on its own connection because the device may rightly close it. */
  connection: 'shared' | 'fresh';
  /** Writes are run last, after every read-only case. */
  writes: boolean;
  expect: Expectation;
}

export interface CorpusParameters {
  unitId: number;
  /** A holding register the check may write its current value back to (byte-count cases). */
  writeBack?: { address: number; value: number };
  /** First address past the end of each table, when discovered. */
  boundaries: Partial<Record<Table, number>>;
}

export const CATEGORIES = [
  'protocol id not 0',
  'length too short',
  'length too long',
  'length huge',
  'truncated PDU',
  'unknown function code',
  'quantity 0 or above the limit',
  'address out of range',
  'byte count mismatch',
  'unit id variants',
] as const;

/** Unassigned public function codes; user-defined, reserved and vendor programming codes are left out on purpose. */
export const UNASSIGNED_FUNCTION_CODES: number[] = [
  ...range(25, 40),
  ...range(44, 64),
  ...range(73, 89),
  ...range(92, 99),
  ...range(111, 124),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

const HIGH_ADDRESS = 0xff00;

/** The corpus for one device, in execution order (reads first, writes last). Deterministic for given parameters. */
export function buildCorpus(parameters: CorpusParameters): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const unit = parameters.unitId;
  let transactionId = 0x1000;
  const add = (entry: Omit<FuzzCase, 'transactionId' | 'unitId' | 'bytes' | 'writes'> & { bytes?: Buffer; unitId?: number; writes?: boolean }) => {
    transactionId++;
    const unitId = entry.unitId ?? unit;
    const bytes = entry.bytes ?? encodeFrame({ transactionId, unitId, pdu: entry.requestPdu });
    cases.push({ ...entry, bytes, transactionId, unitId, writes: entry.writes ?? false });
  };
  const exception = (...codes: number[]): Expectation => ({ exceptions: codes, echoUnitId: unit });
  const closeOrDiscard: Expectation = { close: true, silence: true, staysLive: true };
  const read = Pdu.read('holding', 0, 1);

  // Framing: each on its own connection.
  for (const protocolId of [0x0001, 0x00ff, 0xffff]) {
    add({
      id: `mbap.protocol-id-0x${protocolId.toString(16).padStart(4, '0')}`,
      category: 'protocol id not 0',
      description: `read holding 0 with MBAP protocol id 0x${protocolId.toString(16)}: not Modbus, must not be served`,
      requestPdu: read,
      bytes: encodeFrame({ transactionId: transactionId + 1, unitId: unit, pdu: read, protocolId }),
      connection: 'fresh',
      expect: closeOrDiscard,
    });
  }
  for (const length of [0, 1]) {
    add({
      id: `mbap.length-${length}`,
      category: 'length too short',
      description: `MBAP length ${length}: shorter than unit id plus function code`,
      requestPdu: read,
      bytes: encodeFrame({ transactionId: transactionId + 1, unitId: unit, pdu: read, length }),
      connection: 'fresh',
      expect: closeOrDiscard,
    });
  }
  add({
    id: 'mbap.length-shorter-than-pdu',
    category: 'length too short',
    description: 'MBAP length 3 announces a 2-byte PDU while a 5-byte read follows: a truncated request, then stray bytes',
    requestPdu: read,
    bytes: encodeFrame({ transactionId: transactionId + 1, unitId: unit, pdu: read, length: 3 }),
    connection: 'fresh',
    expect: { exceptions: [0x03], close: true, silence: true, echoUnitId: unit, staysLive: true },
  });
  for (const length of [7, 20, 254]) {
    add({
      id: `mbap.length-${length}-lying`,
      category: 'length too long',
      description: `MBAP length ${length} while only a 5-byte PDU follows: the rest never comes`,
      requestPdu: read,
      bytes: encodeFrame({ transactionId: transactionId + 1, unitId: unit, pdu: read, length }),
      connection: 'fresh',
      expect: { close: true, silence: true, staysLive: true },
    });
  }
  add({
    id: 'mbap.header-partial',
    category: 'length too long',
    description: 'only 4 bytes of an MBAP header, then nothing',
    requestPdu: read,
    bytes: encodeFrame({ transactionId: transactionId + 1, unitId: unit, pdu: read }).subarray(0, 4),
    connection: 'fresh',
    expect: { close: true, silence: true, staysLive: true },
  });
  for (const length of [255, 0x0400, 0xffff]) {
    add({
      id: `mbap.length-${length}-huge`,
      category: 'length huge',
      description: `MBAP length ${length}: beyond the 254 a Modbus/TCP frame can hold`,
      requestPdu: read,
      bytes: encodeFrame({ transactionId: transactionId + 1, unitId: unit, pdu: read, length }),
      connection: 'fresh',
      expect: { close: true, silence: true, staysLive: true },
    });
  }

  for (const fc of UNASSIGNED_FUNCTION_CODES) {
    add({
      id: `function.unknown-0x${fc.toString(16).padStart(2, '0')}`,
      category: 'unknown function code',
      description: `unassigned function code ${fc} (0x${fc.toString(16)})`,
      requestPdu: Pdu.raw(fc, 0, 0, 0, 1),
      connection: 'shared',
      expect: exception(0x01),
    });
  }
  for (const mei of [0x00, 0x0d, 0x0f, 0xff]) {
    add({
      id: `function.mei-0x${mei.toString(16).padStart(2, '0')}`,
      category: 'unknown function code',
      description: `FC 43 with MEI type 0x${mei.toString(16)} (${mei === 0x0d ? 'CANopen, not for Modbus/TCP servers' : 'unassigned'})`,
      requestPdu: Pdu.raw(FunctionCode.encapsulatedInterface, mei, 0x01, 0x00),
      connection: 'shared',
      expect: exception(0x01),
    });
  }
  add({
    id: 'function.device-id-code-5',
    category: 'quantity 0 or above the limit',
    description: 'FC 43/14 with read device id code 5 (1-4 are defined); 01 when FC 43 is not implemented',
    requestPdu: Pdu.readDeviceIdentification(5, 0),
    connection: 'shared',
    expect: exception(0x03, 0x01),
  });

  const readLimits: Array<[Table, number]> = [
    ['coil', Limits.readBits],
    ['discrete', Limits.readBits],
    ['holding', Limits.readRegisters],
    ['input', Limits.readRegisters],
  ];
  for (const [table, limit] of readLimits) {
    for (const quantity of [0, limit + 1, 0x8000, 0xffff]) {
      add({
        id: `quantity.read-${table}-${quantity}`,
        category: 'quantity 0 or above the limit',
        description: `read ${quantity} ${table} item(s) at address 0 (allowed 1-${limit})`,
        requestPdu: Pdu.read(table, 0, quantity),
        connection: 'shared',
        expect: exception(0x03),
      });
    }
  }

  for (const [table] of readLimits) {
    add({
      id: `address.read-${table}-ffff`,
      category: 'address out of range',
      description: `read 2 ${table} items at 0xFFFF: past the end of the 16-bit address space`,
      requestPdu: Pdu.read(table, 0xffff, 2),
      connection: 'shared',
      expect: exception(0x02),
    });
  }
  for (const table of ['holding', 'input', 'coil', 'discrete'] as const) {
    const end = parameters.boundaries[table];
    if (end === undefined || end >= 0xffff) continue;
    add({
      id: `address.read-${table}-across-end`,
      category: 'address out of range',
      description: `read 2 ${table} items at ${end - 1}, the last address of the table, so the second is past its end`,
      requestPdu: Pdu.read(table, end - 1, 2),
      connection: 'shared',
      expect: exception(0x02),
    });
    add({
      id: `address.read-${table}-at-end`,
      category: 'address out of range',
      description: `read 1 ${table} item at ${end}, the first address past the end of the table`,
      requestPdu: Pdu.read(table, end, 1),
      connection: 'shared',
      expect: exception(0x02),
    });
  }

  const truncatedReads: Array<[string, Buffer]> = [
    ['function-only', Pdu.raw(FunctionCode.readHoldingRegisters)],
    ['address-only', Pdu.raw(FunctionCode.readHoldingRegisters, 0, 0)],
    ['quantity-half', Pdu.raw(FunctionCode.readHoldingRegisters, 0, 0, 0)],
    ['coils-address-only', Pdu.raw(FunctionCode.readCoils, 0, 0)],
    ['device-id-mei-only', Pdu.raw(FunctionCode.encapsulatedInterface, 0x0e)],
  ];
  for (const [name, pdu] of truncatedReads) {
    add({
      id: `truncated.${name}`,
      category: 'truncated PDU',
      description: `well-framed request whose PDU stops early: ${hex(pdu)}`,
      requestPdu: pdu,
      connection: 'shared',
      expect: name.startsWith('device-id') ? exception(0x03, 0x01) : exception(0x03),
    });
  }
  add({
    id: 'truncated.read-with-trailing-bytes',
    category: 'truncated PDU',
    description: 'read holding 0 with 3 extra bytes after the quantity: the PDU does not match its function',
    requestPdu: Buffer.concat([Pdu.read('holding', 0, 1), Pdu.raw(0xde, 0xad, 0xbe)]),
    connection: 'shared',
    expect: exception(0x03),
  });

  const foreign = unit === 1 ? 2 : 1;
  for (const unitId of [0x00, 0xff, 0xf8, foreign]) {
    add({
      id: `unit.read-unit-${unitId}`,
      category: 'unit id variants',
      description: `read holding 0 addressed to unit id ${unitId}${unitId === 0 ? ' (broadcast on serial lines)' : unitId === 0xff ? ' (the Modbus/TCP default)' : unitId === 0xf8 ? ' (reserved)' : ' (another unit)'}`,
      requestPdu: read,
      unitId,
      connection: 'shared',
      expect: { response: true, exceptions: [0x0a, 0x0b], silence: true, echoUnitId: unitId },
    });
  }

  // Writes last: each is refused by a correct device before anything is written.
  if (parameters.writeBack) {
    const { address, value } = parameters.writeBack;
    const high = (value >> 8) & 0xff;
    const low = value & 0xff;
    const byteCountCases: Array<[string, Buffer, string]> = [
      ['registers-count-4-for-1', Pdu.raw(FunctionCode.writeMultipleRegisters, address >> 8, address, 0, 1, 4, high, low, 0, 0), 'byte count 4 for 1 register'],
      ['registers-count-1-for-1', Pdu.raw(FunctionCode.writeMultipleRegisters, address >> 8, address, 0, 1, 1, high), 'byte count 1 for 1 register'],
      ['registers-count-2-short-data', Pdu.raw(FunctionCode.writeMultipleRegisters, address >> 8, address, 0, 1, 2, high), 'byte count 2 but 1 data byte'],
      ['registers-count-0-for-1', Pdu.raw(FunctionCode.writeMultipleRegisters, address >> 8, address, 0, 1, 0), 'byte count 0 for 1 register'],
    ];
    for (const [name, pdu, what] of byteCountCases) {
      add({
        id: `bytecount.${name}`,
        category: 'byte count mismatch',
        description: `write multiple registers at ${address} (current value ${value} written back) with ${what}`,
        requestPdu: pdu,
        connection: 'shared',
        writes: true,
        expect: exception(0x03),
      });
    }
  }
  add({
    id: 'bytecount.coils-count-2-for-8',
    category: 'byte count mismatch',
    description: `write 8 coils at 0x${HIGH_ADDRESS.toString(16)} with byte count 2 (1 needed); 02 accepted as the address is also invalid on most devices`,
    requestPdu: Pdu.writeMultipleCoils(HIGH_ADDRESS, 8, Buffer.from([0, 0]), 2),
    connection: 'shared',
    writes: true,
    expect: exception(0x03, 0x02),
  });
  for (const [name, quantity, byteCount, data] of [
    ['registers-0', 0, 0, 0],
    ['registers-124', 124, 248, 240],
    ['coils-0', 0, 0, 0],
    ['coils-1969', 1969, 247, 240],
  ] as const) {
    const coils = name.startsWith('coils');
    const pdu = Buffer.concat([
      Pdu.raw(coils ? FunctionCode.writeMultipleCoils : FunctionCode.writeMultipleRegisters, HIGH_ADDRESS >> 8, HIGH_ADDRESS, quantity >> 8, quantity, byteCount),
      Buffer.alloc(data),
    ]);
    add({
      id: `quantity.write-${name}`,
      category: 'quantity 0 or above the limit',
      description: `write ${quantity} ${coils ? 'coils' : 'registers'} at 0x${HIGH_ADDRESS.toString(16)} (allowed 1-${coils ? Limits.writeBits : Limits.writeRegisters}); 02 accepted as the address is also invalid on most devices`,
      requestPdu: pdu,
      connection: 'shared',
      writes: true,
      expect: exception(0x03, 0x02),
    });
  }
  add({
    id: 'value.write-coil-0x1234',
    category: 'quantity 0 or above the limit',
    description: 'write single coil at 0xFFFF with value 0x1234 (only 0x0000 and 0xFF00 are defined); 02 accepted for the address',
    requestPdu: Pdu.writeSingleCoil(0xffff, 0x1234),
    connection: 'shared',
    writes: true,
    expect: exception(0x03, 0x02),
  });
  add({
    id: 'truncated.write-register-address-only',
    category: 'truncated PDU',
    description: 'write single register with address 0xFFFF and no value',
    requestPdu: Pdu.raw(FunctionCode.writeSingleRegister, 0xff, 0xff),
    connection: 'shared',
    writes: true,
    expect: exception(0x03),
  });
  add({
    id: 'address.write-registers-ffff',
    category: 'address out of range',
    description: 'write 2 registers at 0xFFFF: past the end of the address space',
    requestPdu: Pdu.writeMultipleRegisters(0xffff, [0, 0]),
    connection: 'shared',
    writes: true,
    expect: exception(0x02),
  });
  const holdingEnd = parameters.boundaries.holding;
  if (holdingEnd !== undefined && holdingEnd < 0xffff) {
    add({
      id: 'address.write-register-at-end',
      category: 'address out of range',
      description: `write single register at ${holdingEnd}, the first address past the end of the holding registers`,
      requestPdu: Pdu.writeSingleRegister(holdingEnd, 0),
      connection: 'shared',
      writes: true,
      expect: exception(0x02),
    });
    add({
      id: 'address.write-registers-across-end',
      category: 'address out of range',
      description: `write 2 registers at ${holdingEnd - 1}: the second is past the end of the holding registers`,
      requestPdu: Pdu.writeMultipleRegisters(holdingEnd - 1, [0, 0]),
      connection: 'shared',
      writes: true,
      expect: exception(0x02),
    });
  }
  return [...cases.filter((entry) => !entry.writes), ...cases.filter((entry) => entry.writes)];
}

export function describeExpectation(expect: Expectation): string {
  const options: string[] = [];
  if (expect.exceptions?.length) options.push(`exception ${expect.exceptions.map((code) => exceptionName(code)).join(' or ')}`);
  if (expect.response) options.push('a normal response');
  if (expect.close) options.push('a clean close');
  if (expect.silence) options.push(expect.staysLive ? 'the frame left pending' : 'no reply (discarded)');
  const text = options.join(', or ');
  const extras = [expect.echoUnitId !== undefined ? `unit id ${expect.echoUnitId} echoed` : '', expect.staysLive ? 'other connections served meanwhile' : ''].filter(Boolean);
  return extras.length ? `${text}; ${extras.join('; ')}` : text;
}

/** Whether one outcome meets the expectation, and why not. */
export function judgeOutcome(fuzzCase: FuzzCase, outcome: Outcome): { ok: boolean; problem?: string } {
  const expect = fuzzCase.expect;
  switch (outcome.kind) {
    case 'timeout':
      return expect.silence ? { ok: true } : { ok: false, problem: 'no reply' };
    case 'closed':
      return expect.close ? { ok: true } : { ok: false, problem: 'connection closed instead of an exception' };
    case 'reply': {
      const { header, pdu } = outcome.received;
      if (expect.echoUnitId !== undefined && header.unitId !== expect.echoUnitId) return { ok: false, problem: `reply carries unit id ${header.unitId}, not ${expect.echoUnitId}` };
      if (header.protocolId !== 0) return { ok: false, problem: `reply with protocol id ${header.protocolId}` };
      const reading = readReply(fuzzCase.requestPdu, pdu);
      if (reading.kind === 'malformed') return { ok: false, problem: `malformed reply (${reading.reason})` };
      if (reading.kind === 'exception') {
        return expect.exceptions?.includes(reading.code) ? { ok: true } : { ok: false, problem: `exception ${exceptionName(reading.code)}` };
      }
      return expect.response ? { ok: true } : { ok: false, problem: 'served as a valid request' };
    }
  }
}

export interface LivenessProbe {
  table: Table;
  address: number;
  count: number;
}

export interface ModbusFuzzOptions {
  target: ModbusTarget;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  liveness: LivenessProbe;
  /** Well-framed cases sent together on the shared connection; default 16. */
  batchSize?: number;
}

/** A deadline-bounded wait for one reply to a read, on its own connection; the device is alive when it answers at all. */
class ModbusLiveness implements FuzzLiveness {
  private channel: ModbusChannel | undefined;
  checks = 0;
  constructor(private readonly options: ModbusFuzzOptions) {}

  async probe(signal: AbortSignal, timeoutMs = this.options.requestTimeoutMs): Promise<{ ok: boolean; detail: string }> {
    this.checks++;
    timeoutMs = Math.min(timeoutMs, this.options.requestTimeoutMs);
    const pdu = Pdu.read(this.options.liveness.table, this.options.liveness.address, this.options.liveness.count);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (!this.channel || this.channel.closed) {
          this.channel = await ModbusChannel.open(this.options.target, { connectTimeoutMs: Math.min(this.options.connectTimeoutMs, timeoutMs), signal });
        }
        const { outcome } = await this.channel.request(pdu, { timeoutMs, signal });
        if (outcome.kind === 'reply' && readReply(pdu, outcome.received.pdu).kind !== 'malformed') return { ok: true, detail: describeOutcome(pdu, outcome) };
        if (outcome.kind === 'closed' && attempt === 0) continue;
        this.channel.destroy();
        this.channel = undefined;
        return { ok: false, detail: describeOutcome(pdu, outcome) };
      } catch (error) {
        if (signal.aborted) throw error;
        this.channel = undefined;
        if (attempt === 1) return { ok: false, detail: (error as Error).message };
      }
    }
    return { ok: false, detail: 'no answer' };
  }

  close(): void {
    this.channel?.destroy();
    this.channel = undefined;
  }
}

/** The corpus in batches: well-framed read cases pipelined together on the shared connection; framing cases and writes alone. */
function batchesOf(corpus: readonly FuzzCase[], batchSize: number): FuzzCase[][] {
  const batches: FuzzCase[][] = [];
  const pipelined = (fuzzCase: FuzzCase) => fuzzCase.connection === 'shared' && !fuzzCase.writes;
  for (const fuzzCase of corpus) {
    const last = batches.at(-1);
    // Writes go one at a time, so a device that dies of one is caught at exactly that case.
    if (pipelined(fuzzCase) && last && pipelined(last[0]!) && last.length < batchSize) last.push(fuzzCase);
    else batches.push([fuzzCase]);
  }
  return batches;
}

function answerOf(fuzzCase: FuzzCase, outcome: Outcome): AnswerKind {
  if (outcome.kind === 'timeout') return 'silence';
  if (outcome.kind === 'closed') return 'closed';
  const reading = readReply(fuzzCase.requestPdu, outcome.received.pdu);
  return reading.kind === 'exception' ? 'refusal' : reading.kind;
}

/** One case's outcome judged against its expectation. */
function observe(fuzzCase: FuzzCase, outcome: Outcome, servedOthers?: { ok: boolean; detail: string }): CaseObservation {
  const answer = answerOf(fuzzCase, outcome);
  return {
    sent: hex(fuzzCase.bytes),
    answer,
    observed: describeOutcome(fuzzCase.requestPdu, outcome, fuzzCase.expect.echoUnitId),
    problem: judgeOutcome(fuzzCase, outcome).problem,
    latencyMs: outcome.kind === 'reply' ? round(outcome.latencyMs) : undefined,
    sideEffect: fuzzCase.writes && answer === 'response' ? 'write executed' : undefined,
    servedOthers,
    designedWaitMs: outcome.kind === 'timeout' && fuzzCase.expect.silence ? Math.round(outcome.afterMs) : undefined,
  };
}

/**
 * How the CR 3.5 runner (core/fuzz) sends Modbus cases: well-framed ones pipelined on one shared connection, framing
 * cases on a connection each (the device may rightly close it), a case whose broken frame should stay pending checked
 * for other connections being served meanwhile.
 */
export function modbusFuzzDriver(options: ModbusFuzzOptions): FuzzDriver<FuzzCase> {
  const caseTimeoutMs = Math.min(options.requestTimeoutMs, 1000);
  const liveness = new ModbusLiveness(options);
  const open = (signal: AbortSignal) => ModbusChannel.open(options.target, { connectTimeoutMs: options.connectTimeoutMs, signal });
  let shared: ModbusChannel | undefined;

  const connected = async (signal: AbortSignal): Promise<ModbusChannel | CaseRun> => {
    try {
      return await open(signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return { failed: `could not connect for this case: ${(error as Error).message}` };
    }
  };

  const runAlone = async (fuzzCase: FuzzCase, signal: AbortSignal): Promise<CaseRun> => {
    const channel = await connected(signal);
    if (!(channel instanceof ModbusChannel)) return channel;
    try {
      const waiting = channel.await(fuzzCase.connection === 'fresh' ? undefined : fuzzCase.transactionId, { timeoutMs: caseTimeoutMs, signal });
      channel.sendRaw(fuzzCase.bytes);
      return observe(fuzzCase, await waiting);
    } finally {
      channel.destroy();
    }
  };

  const runFresh = async (fuzzCase: FuzzCase, signal: AbortSignal): Promise<CaseRun> => {
    if (!fuzzCase.expect.staysLive) return runAlone(fuzzCase, signal);
    const channel = await connected(signal);
    if (!(channel instanceof ModbusChannel)) return channel;
    try {
      const sentAt = performance.now();
      let settled: Outcome | undefined;
      const waiting = channel.await(undefined, { timeoutMs: caseTimeoutMs, signal }).then((outcome) => (settled = outcome));
      channel.sendRaw(fuzzCase.bytes);
      // While the broken frame is pending on its connection, the device must still serve another one.
      await pause(5, signal);
      const alive = await liveness.probe(signal, caseTimeoutMs);
      await Promise.resolve();
      // Still pending after the probe: the device is (rightly) waiting for the rest or has discarded the frame.
      const outcome: Outcome = settled ?? { kind: 'timeout', afterMs: performance.now() - sentAt };
      waiting.catch(() => undefined);
      return observe(fuzzCase, outcome, alive);
    } finally {
      channel.destroy();
    }
  };

  return {
    liveness,
    batches: (corpus) => batchesOf(corpus, options.batchSize ?? 16),
    expected: (fuzzCase) => describeExpectation(fuzzCase.expect),
    sentOf: (fuzzCase) => hex(fuzzCase.bytes),
    async send(batch, signal) {
      if (batch[0]!.connection === 'fresh') return [await runFresh(batch[0]!, signal)];
      if (!shared || shared.closed) shared = await open(signal);
      const channel = shared;
      const waits = batch.map((fuzzCase) => channel.await(fuzzCase.transactionId, { timeoutMs: caseTimeoutMs, signal }));
      channel.sendRaw(Buffer.concat(batch.map((entry) => entry.bytes)));
      const outcomes = await Promise.all(waits);
      const runs: Array<CaseRun | undefined> = batch.map(() => undefined);
      const unanswered: number[] = [];
      outcomes.forEach((outcome, index) => {
        // A close in the middle of a batch cannot be pinned on one case: those cases are sent again alone.
        if (outcome.kind === 'closed' && batch.length > 1) unanswered.push(index);
        else runs[index] = observe(batch[index]!, outcome);
      });
      for (const index of unanswered) {
        if (!(await liveness.probe(signal)).ok) break;
        runs[index] = await runAlone(batch[index]!, signal);
      }
      return runs;
    },
    close() {
      shared?.destroy();
      shared = undefined;
      liveness.close();
    },
  };
}

/**
 * First address past the end of each table, found by reading single items (a binary search over the 16-bit space,
 * assuming the table starts at 0 and is contiguous). Tables whose address 0 does not answer are left out.
 */
export async function discoverBoundaries(
  target: ModbusTarget,
  options: { connectTimeoutMs: number; requestTimeoutMs: number; signal: AbortSignal; tables?: Table[] },
): Promise<Partial<Record<Table, number>>> {
  const channel = await ModbusChannel.open(target, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
  const timeoutMs = Math.min(options.requestTimeoutMs, 1000);
  const boundaries: Partial<Record<Table, number>> = {};
  try {
    for (const table of options.tables ?? (['holding', 'input', 'coil', 'discrete'] as const)) {
      const readable = async (address: number) => {
        const pdu = Pdu.read(table, address, 1);
        const { outcome } = await channel.request(pdu, { timeoutMs, signal: options.signal });
        return outcome.kind === 'reply' && readReply(pdu, outcome.received.pdu).kind === 'response';
      };
      if (channel.closed || !(await readable(0))) continue;
      if (await readable(0xffff)) continue;
      let low = 0;
      let high = 0xffff;
      while (high - low > 1) {
        const middle = (low + high) >> 1;
        if (await readable(middle)) low = middle;
        else high = middle;
      }
      boundaries[table] = high;
    }
  } finally {
    channel.destroy();
  }
  return boundaries;
}

export { READ_FUNCTION_OF };

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
