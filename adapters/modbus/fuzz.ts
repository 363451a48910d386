import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { ModbusChannel, describeOutcome, type Outcome } from './channel.js';
import { abortError, type ModbusTarget } from './connection.js';
import { encodeFrame, exceptionName, FunctionCode, hex, Limits, Pdu, readReply, READ_FUNCTION_OF, type Table } from './wire.js';

/**
 * CR 3.5 robustness: a generated corpus of malformed Modbus/TCP requests in named categories, each with the answer
 * the Modbus application protocol prescribes. Well-framed cases are pipelined in batches on one connection; framing
 * cases (that may make the device close) get a connection each. Liveness is checked after every batch.
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

export interface FuzzCase {
  /** Stable id, e.g. "function.unknown-0x19"; replay a case alone with replayFuzzCase. */
  id: string;
  category: string;
  description: string;
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

export interface FuzzCaseResult {
  id: string;
  category: string;
  description: string;
  sent: string;
  expected: string;
  observed: string;
  verdict: 'ok' | 'wrong' | 'not-run';
  problem?: string;
  latencyMs?: number;
}

export interface LivenessProbe {
  table: Table;
  address: number;
  count: number;
}

export interface FuzzOptions {
  target: ModbusTarget;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  /** Upper bound on cases sent per second. */
  casesPerSecond: number;
  liveness: LivenessProbe;
  log?: (line: string) => void;
  /** Well-framed cases sent together on the shared connection; default 16. */
  batchSize?: number;
}

export interface FuzzReport {
  results: FuzzCaseResult[];
  durationMs: number;
  casesRun: number;
  casesPerSecond: number;
  livenessChecks: number;
  /** Set when the device stopped answering the liveness probe. */
  stoppedAfter?: { batch: string; detail: string; recoveredAfterMs?: number };
}

/** A deadline-bounded wait for one reply to a read, on its own connection; the device is alive when it answers at all. */
class Liveness {
  private channel: ModbusChannel | undefined;
  checks = 0;
  constructor(private readonly options: FuzzOptions) {}

  async probe(timeoutMs = this.options.requestTimeoutMs): Promise<{ ok: boolean; detail: string }> {
    this.checks++;
    const pdu = Pdu.read(this.options.liveness.table, this.options.liveness.address, this.options.liveness.count);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (!this.channel || this.channel.closed) {
          this.channel = await ModbusChannel.open(this.options.target, { connectTimeoutMs: Math.min(this.options.connectTimeoutMs, timeoutMs), signal: this.options.signal });
        }
        const { outcome } = await this.channel.request(pdu, { timeoutMs, signal: this.options.signal });
        if (outcome.kind === 'reply' && readReply(pdu, outcome.received.pdu).kind !== 'malformed') return { ok: true, detail: describeOutcome(pdu, outcome) };
        if (outcome.kind === 'closed' && attempt === 0) continue;
        this.channel.destroy();
        this.channel = undefined;
        return { ok: false, detail: describeOutcome(pdu, outcome) };
      } catch (error) {
        if (this.options.signal.aborted) throw error;
        this.channel = undefined;
        if (attempt === 1) return { ok: false, detail: (error as Error).message };
      }
    }
    return { ok: false, detail: 'no answer' };
  }

  close(): void {
    this.channel?.destroy();
  }
}

class Pacer {
  private readonly begin = performance.now();
  private sent = 0;
  constructor(
    private readonly perSecond: number,
    private readonly signal: AbortSignal,
  ) {}
  /** Waits until `count` more cases fit under the rate. */
  async take(count: number): Promise<void> {
    this.sent += count;
    const due = this.begin + ((this.sent - count) / this.perSecond) * 1000 - performance.now();
    if (due > 1) await sleep(due, this.signal);
  }
}

/** Runs the corpus; stops at the first failed liveness check and waits briefly to see whether the device comes back. */
export async function runFuzzCorpus(corpus: FuzzCase[], callerOptions: FuzzOptions): Promise<FuzzReport> {
  // Batches wait on many replies at once; one internal signal carries them instead of the caller's.
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const forward = () => controller.abort(callerOptions.signal.reason);
  if (callerOptions.signal.aborted) forward();
  else callerOptions.signal.addEventListener('abort', forward, { once: true });
  try {
    return await runCorpus(corpus, { ...callerOptions, signal: controller.signal });
  } finally {
    callerOptions.signal.removeEventListener('abort', forward);
  }
}

async function runCorpus(corpus: FuzzCase[], options: FuzzOptions): Promise<FuzzReport> {
  const begin = performance.now();
  const caseTimeoutMs = Math.min(options.requestTimeoutMs, 1000);
  const liveness = new Liveness(options);
  const pacer = new Pacer(Math.max(1, options.casesPerSecond), options.signal);
  const results = new Map<string, FuzzCaseResult>();
  const record: Recorder = (fuzzCase, outcome, servedMeanwhile) => {
    const judged = outcome.kind === 'error' ? { ok: false, problem: outcome.message } : judgeOutcome(fuzzCase, outcome);
    let observed = outcome.kind === 'error' ? outcome.message : describeOutcome(fuzzCase.requestPdu, outcome, fuzzCase.expect.echoUnitId);
    let problem = judged.problem;
    if (servedMeanwhile) {
      observed += servedMeanwhile.ok ? '; another connection was served meanwhile' : `; another connection was not served meanwhile (${servedMeanwhile.detail})`;
      if (!servedMeanwhile.ok) problem = problem ? `${problem}; the device stopped serving others` : 'the device stopped serving other connections';
    }
    results.set(fuzzCase.id, {
      id: fuzzCase.id,
      category: fuzzCase.category,
      description: fuzzCase.description,
      sent: hex(fuzzCase.bytes),
      expected: describeExpectation(fuzzCase.expect),
      observed,
      verdict: problem ? 'wrong' : 'ok',
      problem,
      latencyMs: outcome.kind === 'reply' ? round(outcome.latencyMs) : undefined,
    });
  };

  const batches: Array<{ name: string; cases: FuzzCase[] }> = [];
  for (const fuzzCase of corpus) {
    const last = batches.at(-1);
    const batchSize = options.batchSize ?? 16;
    // Writes go one at a time, so a device that dies of one is caught at exactly that case.
    if (fuzzCase.connection === 'shared' && !fuzzCase.writes && last && last.cases[0]!.connection === 'shared' && !last.cases[0]!.writes && last.cases.length < batchSize) {
      last.cases.push(fuzzCase);
    } else {
      batches.push({ name: fuzzCase.id, cases: [fuzzCase] });
    }
  }

  let shared: ModbusChannel | undefined;
  let stoppedAfter: FuzzReport['stoppedAfter'];
  try {
    const first = await liveness.probe();
    if (!first.ok) throw new Error(`the device does not answer a read before fuzzing: ${first.detail}`);
    for (const batch of batches) {
      if (options.signal.aborted) throw abortError(options.signal);
      await pacer.take(batch.cases.length);
      if (batch.cases[0]!.connection === 'fresh') {
        await runFreshCase(batch.cases[0]!, options, caseTimeoutMs, liveness, record);
      } else {
        if (!shared || shared.closed) shared = await ModbusChannel.open(options.target, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
        const channel = shared;
        const waits = batch.cases.map((fuzzCase) =>
          channel.await(fuzzCase.transactionId, { timeoutMs: caseTimeoutMs, signal: options.signal }).then((outcome) => ({ fuzzCase, outcome })),
        );
        channel.sendRaw(Buffer.concat(batch.cases.map((entry) => entry.bytes)));
        const outcomes = await Promise.all(waits);
        const unanswered: FuzzCase[] = [];
        for (const { fuzzCase, outcome } of outcomes) {
          // A close in the middle of a batch cannot be pinned on one case: those cases are re-run alone.
          if (outcome.kind === 'closed' && batch.cases.length > 1) unanswered.push(fuzzCase);
          else record(fuzzCase, outcome);
        }
        for (const fuzzCase of unanswered) {
          if (!(await liveness.probe()).ok) break;
          await runAlone(fuzzCase, options, caseTimeoutMs, record);
        }
      }
      const alive = await liveness.probe();
      options.log?.(`batch ${batch.name} (${batch.cases.length} case${batch.cases.length > 1 ? 's' : ''}): liveness ${alive.detail}`);
      if (!alive.ok) {
        const stoppedAt = performance.now();
        let recoveredAfterMs: number | undefined;
        while (performance.now() - stoppedAt < 5000 && !options.signal.aborted) {
          await sleep(500, options.signal);
          if ((await liveness.probe(Math.min(options.requestTimeoutMs, 1000))).ok) {
            recoveredAfterMs = Math.round(performance.now() - stoppedAt);
            break;
          }
        }
        stoppedAfter = { batch: batch.cases.map((entry) => entry.id).join(', '), detail: alive.detail, recoveredAfterMs };
        options.log?.(`device stopped answering after ${stoppedAfter.batch}; ${recoveredAfterMs === undefined ? 'no answer within 5 s' : `answering again after ${recoveredAfterMs} ms`}`);
        break;
      }
    }
  } finally {
    shared?.destroy();
    liveness.close();
  }

  for (const fuzzCase of corpus) {
    if (!results.has(fuzzCase.id)) {
      results.set(fuzzCase.id, {
        id: fuzzCase.id,
        category: fuzzCase.category,
        description: fuzzCase.description,
        sent: hex(fuzzCase.bytes),
        expected: describeExpectation(fuzzCase.expect),
        observed: 'not run: the device had stopped answering',
        verdict: 'not-run',
      });
    }
  }
  const durationMs = performance.now() - begin;
  const ordered = corpus.map((fuzzCase) => results.get(fuzzCase.id)!);
  const casesRun = ordered.filter((result) => result.verdict !== 'not-run').length;
  return {
    results: ordered,
    durationMs: Math.round(durationMs),
    casesRun,
    casesPerSecond: durationMs > 0 ? Math.round((casesRun / durationMs) * 1000) : 0,
    livenessChecks: liveness.checks,
    stoppedAfter,
  };
}

type Recorder = (fuzzCase: FuzzCase, outcome: Outcome | { kind: 'error'; message: string }, servedMeanwhile?: { ok: boolean; detail: string }) => void;

async function runAlone(fuzzCase: FuzzCase, options: FuzzOptions, caseTimeoutMs: number, record: Recorder): Promise<void> {
  let channel: ModbusChannel;
  try {
    channel = await ModbusChannel.open(options.target, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw error;
    record(fuzzCase, { kind: 'error', message: `could not connect for this case: ${(error as Error).message}` });
    return;
  }
  try {
    const waiting = channel.await(fuzzCase.connection === 'fresh' ? undefined : fuzzCase.transactionId, { timeoutMs: caseTimeoutMs, signal: options.signal });
    channel.sendRaw(fuzzCase.bytes);
    record(fuzzCase, await waiting);
  } finally {
    channel.destroy();
  }
}

async function runFreshCase(fuzzCase: FuzzCase, options: FuzzOptions, caseTimeoutMs: number, liveness: Liveness, record: Recorder): Promise<void> {
  if (!fuzzCase.expect.staysLive) {
    await runAlone(fuzzCase, options, caseTimeoutMs, record);
    return;
  }
  let channel: ModbusChannel;
  try {
    channel = await ModbusChannel.open(options.target, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw error;
    record(fuzzCase, { kind: 'error', message: `could not connect for this case: ${(error as Error).message}` });
    return;
  }
  try {
    const sentAt = performance.now();
    let settled: Outcome | undefined;
    const waiting = channel.await(undefined, { timeoutMs: caseTimeoutMs, signal: options.signal }).then((outcome) => (settled = outcome));
    channel.sendRaw(fuzzCase.bytes);
    // While the broken frame is pending on its connection, the device must still serve another one.
    await sleep(5, options.signal);
    const alive = await liveness.probe(caseTimeoutMs);
    await Promise.resolve();
    // Still pending after the probe: the device is (rightly) waiting for the rest or has discarded the frame.
    const outcome: Outcome = settled ?? { kind: 'timeout', afterMs: performance.now() - sentAt };
    waiting.catch(() => undefined);
    record(fuzzCase, outcome, alive);
  } finally {
    channel.destroy();
  }
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

/** CSV of per-case results: id,category,verdict,expected,observed,problem,latency_ms,sent. */
export function fuzzResultsCsv(results: FuzzCaseResult[]): string {
  const field = (value: unknown) => {
    const text = value === undefined ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = ['id,category,verdict,expected,observed,problem,latency_ms,sent'];
  for (const result of results) {
    rows.push([result.id, result.category, result.verdict, result.expected, result.observed, result.problem, result.latencyMs, result.sent].map(field).join(','));
  }
  return `${rows.join('\n')}\n`;
}

export { READ_FUNCTION_OF };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
