import { defineCheck, fail, pass } from '../../core/check.js';
import { withheldWithoutWriteProbe } from '../../adapters/enip/target.js';
import { tryUnauthenticatedWrite } from '../../adapters/enip/write-probe.js';

export default defineCheck({
  id: 'enip.authorization.unsecured-write-refused',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'enip',
  disruptive: false,
  title: 'EtherNet/IP grants no write to an originator without CIP Security rights',
  expectation:
    'An originator holding no authorisation (no CIP Security session, so no identity to grant rights to) is not authorised to change state: Set_Attribute_Single on the unsecured port is answered with 0x0F privilege violation or 0x08 service not supported; the write goes only to an attribute the profile declares safe, with its harmless value, or in a disruptive run rewrites an essential function with its current value',
  withheld: withheldWithoutWriteProbe,
  async run(ctx) {
    const write = await tryUnauthenticatedWrite(ctx);
    const details = { outcome: write.outcome, status: write.status, wrote: write.wrote, allowedBy: write.plan.allowedBy, control: write.control };
    if (write.outcome === 'applied') {
      return fail(`${write.label} authorised a state change for an originator with no rights: Set_Attribute_Single was applied (${write.status}); use control does not separate reading from writing on this port`, details);
    }
    return pass(`${write.label} did not authorise the write for an originator with no rights (${write.status}); reading stayed allowed (${write.control})`, details);
  },
});
