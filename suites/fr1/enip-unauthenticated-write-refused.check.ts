import { defineCheck, fail, pass } from '../../core/check.js';
import { withheldWithoutWriteProbe } from '../../adapters/enip/target.js';
import { tryUnauthenticatedWrite } from '../../adapters/enip/write-probe.js';

export default defineCheck({
  id: 'enip.authentication.unauthenticated-write-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'enip',
  disruptive: false,
  title: 'EtherNet/IP state-changing explicit messages need an authenticated originator',
  expectation:
    'On a session registered without any credential on the unsecured port, Set_Attribute_Single is refused (general status 0x0F privilege violation or 0x08 service not supported) while a read of the same attribute is served; writes go only to an attribute the profile declares safe, with its harmless value (writeProbes), or in a disruptive run rewrite an essential function with its current value',
  withheld: withheldWithoutWriteProbe,
  async run(ctx) {
    const write = await tryUnauthenticatedWrite(ctx);
    const details = { outcome: write.outcome, status: write.status, wrote: write.wrote, allowedBy: write.plan.allowedBy, control: write.control };
    if (write.outcome === 'applied') {
      return fail(`${write.label} applied Set_Attribute_Single (${write.status}) from an originator that never authenticated: any client that registers a session changes the device's state (${write.plan.allowedBy})`, details);
    }
    return pass(`${write.label} refused Set_Attribute_Single from an unauthenticated originator with general status ${write.status}, while the same session's read was served (${write.control}); ${write.plan.allowedBy}`, details);
  },
});
