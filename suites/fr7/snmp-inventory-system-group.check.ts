import { defineCheck, fail, pass } from '../../core/check.js';
import { readSystemInfo } from '../../adapters/snmp/client.js';
import { describeCredentials, proveListening, snmpTarget, summarise } from '../../adapters/snmp/target.js';

export default defineCheck({
  id: 'snmp.inventory.system-group',
  requirement: 'CR 7.8',
  sl: [2, 3, 4],
  protocol: 'snmp',
  disruptive: false,
  title: 'SNMP reports sysDescr, sysObjectID and sysName for the inventory',
  expectation: 'The system group gives a non-empty sysDescr and sysName and a vendor sysObjectID (not 0.0), read with the profile\'s credential; a sysDescr that does not mention the declared firmware is pointed out for review',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = snmpTarget(ctx);
    const listening = await proveListening(ctx, target, target.endpoint);
    if (listening.kind !== 'credential') throw new Error(`the profile gives no SNMP credential that is answered (${listening.how}), so the system group cannot be read`);
    const info = await ctx.step(`read the system group as ${describeCredentials(listening.credentials)}`, () => readSystemInfo(target, listening.credentials));
    if (info.answer.kind !== 'answered') throw new Error(`the system group could not be read: ${summarise(info.answer)}`);
    const values = { sysDescr: info.sysDescr ?? '', sysObjectID: info.sysObjectID ?? '', sysName: info.sysName ?? '' };
    const listing = `sysDescr="${values.sysDescr.slice(0, 120)}", sysObjectID=${values.sysObjectID || '(none)'}, sysName="${values.sysName}"`;
    const missing = [...(!values.sysDescr.trim() ? ['sysDescr'] : []), ...(!/^1\.3\.6\.1\.4\.1\.\d+/.test(values.sysObjectID) ? ['a vendor sysObjectID'] : []), ...(!values.sysName.trim() ? ['sysName'] : [])];
    const firmware = ctx.profile.component.firmware;
    const details = { ...values, firmware: firmware ?? null, missing };
    ctx.attach({ name: 'SNMP system group', contentType: 'application/json', extension: 'json', content: JSON.stringify(values, null, 2) });
    if (missing.length > 0) return fail(`the system group lacks ${missing.join(', ')} (${listing}): the inventory needs the supplier's documentation for them`, details);
    const note = firmware ? (values.sysDescr.includes(firmware) ? `; sysDescr names the declared firmware ${firmware}` : `; declared firmware ${firmware} is not in sysDescr, to review`) : '';
    return pass(`${listing}${note}`, details);
  },
});
