import { defineCheck, fail, pass } from '../../core/check.js';
import { reportedIdentity } from '../../core/advisories/identity.js';
import { exceptionName, ModbusRequestError, ModbusSession, modbusTarget, type IdentificationObject } from '../../adapters/modbus/index.js';

const BASIC = [
  { id: 0x00, name: 'VendorName' },
  { id: 0x01, name: 'ProductCode' },
  { id: 0x02, name: 'MajorMinorRevision' },
];

const normalise = (text: string) => text.trim().toLowerCase().replace(/^v(?=\d)/, '');
const agrees = (declared: string, reported: string) => normalise(reported).includes(normalise(declared)) || normalise(declared).includes(normalise(reported));

export default defineCheck({
  id: 'modbus.inventory.device-identification',
  requirement: 'CR 7.8',
  sl: [2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'The device reports its identity for the component inventory (FC 43/14)',
  expectation:
    'Read Device Identification returns non-empty vendor name, product code and revision (and further objects where offered); differences from the vendor, model and firmware the profile declares are pointed out',
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const session = await ctx.step(`connect to ${label}`, () => ModbusSession.connect(target, options));
    let result: Awaited<ReturnType<ModbusSession['readDeviceIdentification']>>;
    try {
      result = await ctx.step('Read Device Identification (FC 43 / MEI 14), basic, regular and extended objects', () => session.readDeviceIdentification());
    } catch (error) {
      if (!(error instanceof ModbusRequestError && error.reason === 'timeout')) throw error;
      // Silence can mean "not implemented" or "not reachable": a plain read on a fresh connection tells which.
      const probe = await ctx.step(`control read of ${read.table} ${read.address} on a new connection`, async () => {
        const fresh = await ModbusSession.connect(target, options);
        try {
          return await fresh.read(read.table, read.address, read.count);
        } finally {
          await fresh.close();
        }
      });
      return fail(
        `${label} left FC 43 / MEI 14 unanswered for ${options.requestTimeoutMs} ms while it ${probe.ok ? 'answered' : `refused (exception ${exceptionName(probe.exception)})`} a plain read: it offers no device identification, so the inventory needs the supplier's documentation`,
        { fc43: 'no answer', controlRead: probe.ok ? 'answered' : `exception ${exceptionName(probe.exception)}` },
      );
    } finally {
      await session.close();
    }
    if (!result.ok) {
      return fail(`${label} does not implement Read Device Identification (exception ${exceptionName(result.exception)}): the inventory needs the supplier's documentation`, {
        fc43: `exception ${exceptionName(result.exception)}`,
      });
    }
    const { objects, conformityLevel, categories } = result.value;
    ctx.attach({ name: 'Device identification objects', contentType: 'application/json', extension: 'json', content: JSON.stringify({ conformityLevel, categories, objects }, null, 2) });
    const byId = new Map<number, IdentificationObject>(objects.map((object) => [object.id, object]));
    const problems: string[] = [];
    const missing = BASIC.filter((object) => !byId.get(object.id)?.value.trim());
    if (missing.length > 0) problems.push(`mandatory basic object(s) missing or empty: ${missing.map((object) => object.name).join(', ')}`);
    // The inventory capability is what CR 7.8 asks for; a difference from the profile is evidence to review, not a
    // failure of the device (the profile may describe a whole component of which this interface is one part).
    const { vendor, model, firmware } = ctx.profile.component;
    const reported = (id: number) => byId.get(id)?.value ?? '';
    const differences: string[] = [];
    if (vendor && reported(0x00) && !agrees(vendor, reported(0x00))) differences.push(`VendorName "${reported(0x00)}" vs declared vendor "${vendor}"`);
    if (model && (reported(0x01) || reported(0x05)) && !agrees(model, reported(0x01)) && !agrees(model, reported(0x05))) {
      differences.push(`ProductCode "${reported(0x01)}"${reported(0x05) ? ` / ModelName "${reported(0x05)}"` : ''} vs declared model "${model}"`);
    }
    if (firmware && reported(0x02) && !agrees(firmware, reported(0x02))) differences.push(`MajorMinorRevision "${reported(0x02)}" vs declared firmware "${firmware}"`);
    const listing = objects.map((object) => `${object.name}="${object.value}"`).join(', ');
    // The known-vulnerability matching reads `identity` (core/advisories/identity.ts).
    const identity = reportedIdentity({
      vendor: { field: 'VendorName', value: reported(0x00) },
      products: [{ field: 'ProductCode', value: reported(0x01) }, { field: 'ModelName', value: reported(0x05) }, { field: 'ProductName', value: reported(0x04) }],
      version: { field: 'MajorMinorRevision', value: reported(0x02) },
    });
    const details = { conformityLevel: `0x${conformityLevel.toString(16)}`, categories, objects, declared: { vendor, model, firmware }, differences, identity };
    if (problems.length > 0) return fail(`${label} identification: ${problems.join('; ')} (reported ${listing})`, details);
    const comparison = differences.length > 0 ? `; differs from the profile, to review: ${differences.join('; ')}` : vendor || model || firmware ? '; agrees with the declared inventory' : '';
    return pass(`${label} identifies itself with ${objects.length} objects (conformity level 0x${conformityLevel.toString(16)}): ${listing}${comparison}`, details);
  },
});
