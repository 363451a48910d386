import type { CheckContext } from '../../core/check.js';
import { enipTarget, pointText, writePlan, type WritePlan } from './target.js';
import { withSession } from './session.js';
import { GeneralStatus, generalStatusName, hex } from './wire.js';

/** General statuses that refuse the service itself for this originator, rather than saying something about the attribute. */
const REFUSALS: readonly number[] = [GeneralStatus.privilegeViolation, GeneralStatus.serviceNotSupported];

export interface UnauthenticatedWrite {
  plan: WritePlan;
  label: string;
  /** What the control read on the same session answered. */
  control: string;
  wrote: string;
  outcome: 'refused' | 'applied';
  status: string;
}

/**
 * Set_Attribute_Single on the unsecured port, on a session anyone can register: the state-changing explicit message
 * the CR 1.1 and CR 2.1 checks judge. A read of the same attribute first shows that the session is served (a device
 * that answers nothing refuses nothing). An answer about the attribute (not settable, not supported, wrong size) is no
 * refusal of the originator: the profile then names the wrong point, and the check ends as error saying so.
 */
export async function tryUnauthenticatedWrite(ctx: CheckContext): Promise<UnauthenticatedWrite> {
  const { endpoint, target, label, options } = enipTarget(ctx);
  const plan = writePlan(ctx.profile, endpoint, ctx.settings);
  const where = pointText(plan.point);
  return withSession(target, options, async (session) => {
    ctx.log(`session 0x${session.session.toString(16)} registered on ${label} without any credential`);
    const read = await ctx.step(`control: Get_Attribute_Single ${where}`, () => session.getAttributeSingle(plan.point, options));
    if (read.generalStatus !== 0) throw new Error(`${label} does not serve a read of ${where} (${generalStatusName(read.generalStatus)}), so a refused write would prove nothing; name a readable, settable attribute in endpoints.enip.writeProbes`);
    const value = plan.value === 'current' ? Buffer.from(read.data) : plan.value;
    const set = await ctx.step(`Set_Attribute_Single ${where} = ${hex(value)} (${plan.allowedBy})`, () => session.setAttributeSingle(plan.point, value, options));
    const status = generalStatusName(set.generalStatus);
    const control = `read answered ${hex(read.data)}`;
    if (set.generalStatus === GeneralStatus.success) return { plan, label, control, wrote: hex(value), outcome: 'applied', status };
    if (REFUSALS.includes(set.generalStatus)) return { plan, label, control, wrote: hex(value), outcome: 'refused', status };
    throw new Error(`${label} answered the write of ${where} with ${status}, which is about the attribute, not about who asked: name an attribute that is settable with CIP Security in endpoints.enip.writeProbes`);
  });
}
