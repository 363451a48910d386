import { defineCheck, fail, pass } from '../../core/check.js';
import { reportedIdentity } from '../../core/advisories/identity.js';
import { enipTarget } from '../../adapters/enip/target.js';
import { EnipConnection, withSession } from '../../adapters/enip/session.js';
import { listIdentityUdp } from '../../adapters/enip/udp.js';
import { decodeIdentityAttributes, generalStatusName, revisionText, type IdentityAttributes } from '../../adapters/enip/wire.js';

const normalise = (text: string) => text.trim().toLowerCase().replace(/^v(?=\d)/, '');
const agrees = (declared: string, reported: string) => normalise(reported).includes(normalise(declared)) || normalise(declared).includes(normalise(reported));

export default defineCheck({
  id: 'enip.inventory.identity-object',
  requirement: 'CR 7.8',
  sl: [2, 3, 4],
  protocol: 'enip',
  disruptive: false,
  title: 'The EtherNet/IP Identity object reports the component for the inventory',
  expectation:
    'ListIdentity and the Identity object (class 1, instance 1) give a vendor id, device type, product code, revision, serial number and product name that agree with each other; differences from what the profile declares (endpoints.enip.identity, component model and firmware) are pointed out for review',
  async run(ctx) {
    const { endpoint, target, label, options } = enipTarget(ctx);
    const listed = await ctx.step(`ListIdentity on ${label}`, async () => {
      const connection = await EnipConnection.open(target, options);
      try {
        return (await connection.listIdentity(options))[0];
      } finally {
        connection.destroy();
      }
    });
    let udp: string | undefined;
    let udpDisagrees = false;
    if (endpoint.listIdentityUdp) {
      // UDP has no refusal: silence there is reported for review, with the TCP answer as the proof that the device listens.
      udp = await ctx.step(`ListIdentity over UDP to ${ctx.host}:${endpoint.port}`, () =>
        listIdentityUdp(target, { timeoutMs: options.requestTimeoutMs, signal: ctx.signal }).then(
          (answer) => {
            udpDisagrees = answer.serialNumber !== listed?.serialNumber || answer.productName !== listed?.productName;
            return `ListIdentity over UDP answered "${answer.productName}" serial 0x${answer.serialNumber.toString(16)}`;
          },
          (error: Error) => {
            if (ctx.signal.aborted) throw error;
            return `ListIdentity over UDP, declared, was not answered (${error.message})`;
          },
        ),
      );
    }
    const all = await ctx.step('Get_Attributes_All on the Identity object (class 1, instance 1) in a registered session', () => withSession(target, options, (session) => session.getAttributesAll({ class: 1, instance: 1 }, options)));
    if (all.generalStatus !== 0) return fail(`${label} refuses Get_Attributes_All on the Identity object (${generalStatusName(all.generalStatus)}), an object every CIP device carries: the inventory needs the supplier's documentation`, { generalStatus: all.generalStatus });
    const identity = decodeIdentityAttributes(all.data);
    if (!identity) throw new Error(`${label} answered Get_Attributes_All on the Identity object with ${all.data.length} bytes that do not hold attributes 1 to 7`);
    const revision = revisionText(identity.revision);
    const listing = `vendor ${identity.vendorId}, device type ${identity.deviceType}, product code ${identity.productCode}, revision ${revision}, serial 0x${identity.serialNumber.toString(16)}, product name "${identity.productName}"`;
    ctx.attach({ name: 'EtherNet/IP Identity object', contentType: 'application/json', extension: 'json', content: JSON.stringify({ identityObject: identity, listIdentity: listed ?? null }, null, 2) });

    const problems: string[] = [];
    if (identity.vendorId === 0) problems.push('vendor id 0');
    if (identity.productCode === 0) problems.push('product code 0');
    if (!identity.productName.trim()) problems.push('an empty product name');
    if (identity.serialNumber === 0) problems.push('serial number 0');
    if (!listed) problems.push('ListIdentity carried no identity item');
    const disagreements = listed ? (['vendorId', 'deviceType', 'productCode', 'serialNumber', 'productName'] as const).filter((key) => listed[key] !== identity[key]) : [];
    if (disagreements.length > 0) problems.push(`ListIdentity and the Identity object disagree on ${disagreements.join(', ')}`);
    if (udpDisagrees) problems.push(`ListIdentity over UDP names another device than over TCP (${udp})`);

    const differences = compare(identity, revision, endpoint.identity, ctx.profile.component);
    const reported = reportedIdentity({
      vendor: { field: 'VendorID', value: identity.vendorId ? String(identity.vendorId) : '' },
      products: [{ field: 'ProductName', value: identity.productName }, { field: 'ProductCode', value: identity.productCode ? String(identity.productCode) : '' }],
      version: { field: 'Revision', value: identity.revision.major || identity.revision.minor ? revision : '' },
    });
    // The known-vulnerability matching reads `identity` (core/advisories/identity.ts).
    const withIdentity = { identity: reported, identityObject: identity, listIdentity: listed ?? null, declared: { ...endpoint.identity, model: ctx.profile.component.model, firmware: ctx.profile.component.firmware }, differences, problems };
    if (problems.length > 0) return fail(`${label} Identity object: ${problems.join('; ')} (${listing}): the inventory cannot tell this device from another without the supplier's documentation`, withIdentity);
    const comparison = differences.length > 0 ? `; differs from the profile, to review: ${differences.join('; ')}` : '; agrees with the declared identity';
    return pass(`${label} identifies itself through ListIdentity and the Identity object: ${listing}${comparison}${udp ? `; ${udp}` : ''}`, { ...withIdentity, udp });
  },
});

function compare(identity: IdentityAttributes, revision: string, declared: { vendorId?: number; deviceType?: number; productCode?: number; productName?: string } | undefined, component: { model?: string; firmware?: string }): string[] {
  const differences: string[] = [];
  for (const key of ['vendorId', 'deviceType', 'productCode'] as const) {
    if (declared?.[key] !== undefined && declared[key] !== identity[key]) differences.push(`${key} ${identity[key]} vs declared ${declared[key]}`);
  }
  if (declared?.productName && declared.productName !== identity.productName) differences.push(`product name "${identity.productName}" vs declared "${declared.productName}"`);
  if (component.model && identity.productName && !agrees(component.model, identity.productName)) differences.push(`product name "${identity.productName}" vs component model "${component.model}"`);
  if (component.firmware && !agrees(component.firmware, revision)) differences.push(`revision ${revision} vs declared firmware "${component.firmware}"`);
  return differences;
}
