import { defineCheck, fail, pass } from '../../core/check.js';
import { csvDocument } from '../../core/evidence/csv.js';
import { describeOutcome, exceptionName, FunctionCode, isNormalResponse, Limits, ModbusChannel, modbusTarget, Pdu, readPdu, readReply, type Outcome } from '../../adapters/modbus/index.js';

/** Error conditions whose answer the Modbus application protocol prescribes; all are reads, nothing is changed. */
const PROBES: Array<{ name: string; pdu: Buffer; code: number }> = [
  { name: 'unassigned function code 44 (0x2C)', pdu: Pdu.raw(0x2c, 0, 0, 0, 1), code: 0x01 },
  { name: 'FC 43 with unassigned MEI type 0x0F', pdu: Pdu.raw(FunctionCode.encapsulatedInterface, 0x0f, 0x01, 0x00), code: 0x01 },
  { name: 'read 0 holding registers', pdu: Pdu.read('holding', 0, 0), code: 0x03 },
  { name: `read ${Limits.readRegisters + 1} holding registers`, pdu: Pdu.read('holding', 0, Limits.readRegisters + 1), code: 0x03 },
  { name: `read ${Limits.readBits + 1} coils`, pdu: Pdu.read('coil', 0, Limits.readBits + 1), code: 0x03 },
  { name: 'read 2 holding registers at 0xFFFF', pdu: Pdu.read('holding', 0xffff, 2), code: 0x02 },
  { name: 'read 2 input registers at 0xFFFF', pdu: Pdu.read('input', 0xffff, 2), code: 0x02 },
];

export default defineCheck({
  id: 'modbus.error-handling.prescribed-exception-codes',
  requirement: 'CR 3.7',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Modbus errors are answered with the prescribed exception codes',
  expectation:
    'Each invalid request gets a two-byte exception response with the code the Modbus application protocol prescribes (01 illegal function, 02 illegal data address, 03 illegal data value), echoing transaction and unit id, and nothing more',
  async run(ctx) {
    const { target, label, read, readLabel, options } = modbusTarget(ctx);
    const channel = await ctx.step(`connect to ${label}`, () => ModbusChannel.open(target, options));
    let answers: Array<{ sent: Buffer; outcome: Outcome }>;
    try {
      const valid = readPdu(read);
      const control = await ctx.step(`valid read of ${readLabel}`, () => channel.request(valid, { timeoutMs: options.requestTimeoutMs, signal: ctx.signal }));
      if (!isNormalResponse(valid, control.outcome)) {
        throw new Error(`${label} did not serve a valid read of ${readLabel} (${describeOutcome(valid, control.outcome)}), so its error answers cannot be judged`);
      }
      // Pipelined: a device that stays silent costs one timeout for all probes.
      answers = await ctx.step(`${PROBES.length} invalid requests`, () => channel.requestMany(PROBES.map((probe) => ({ pdu: probe.pdu })), { timeoutMs: options.requestTimeoutMs, signal: ctx.signal }));
    } finally {
      channel.destroy();
    }
    const rows = PROBES.map((probe, index) => {
      const { sent, outcome } = answers[index]!;
      const seen = describeOutcome(probe.pdu, outcome, target.unitId);
      let problem: string | undefined;
      if (outcome.kind !== 'reply') problem = seen;
      else {
        const reading = readReply(probe.pdu, outcome.received.pdu);
        if (outcome.received.header.unitId !== target.unitId) problem = `unit id ${outcome.received.header.unitId} instead of ${target.unitId}`;
        else if (reading.kind === 'malformed') problem = seen;
        else if (reading.kind === 'response') problem = 'served as if valid';
        else if (reading.code !== probe.code) problem = `exception ${exceptionName(reading.code)}`;
      }
      ctx.log(`${probe.name}: ${seen}`);
      return { request: probe.name, sent: sent.toString('hex'), expected: `exception ${exceptionName(probe.code)}`, seen, ok: problem === undefined, problem };
    });
    const csv = csvDocument(['request', 'expected', 'seen', 'ok'], rows.map((row) => [row.request, row.expected, row.seen, row.ok]));
    ctx.attach({ name: 'Exception responses', contentType: 'text/csv', extension: 'csv', content: csv });
    const wrong = rows.filter((row) => !row.ok);
    if (wrong.length > 0) {
      return fail(`${wrong.length} of ${rows.length} invalid requests on ${label} not answered as prescribed: ${wrong.map((row) => `${row.request}: expected ${row.expected}, got ${row.problem}`).join('; ')}`, rows);
    }
    const byCode = PROBES.reduce<Record<string, number>>((counts, probe) => ({ ...counts, [probe.code.toString(16).padStart(2, '0')]: (counts[probe.code.toString(16).padStart(2, '0')] ?? 0) + 1 }), {});
    return pass(
      `${label} answered all ${rows.length} invalid requests with the prescribed two-byte exception (${Object.entries(byCode).map(([code, count]) => `${code} ×${count}`).join(', ')}), transaction and unit id echoed`,
      rows,
    );
  },
});
