import { defineCheck, fail, pass } from '../../core/check.js';
import { reportedIdentity } from '../../core/advisories/identity.js';
import { BUILD_INFO_NODES, type BuildInfoField } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

const FIELDS = Object.keys(BUILD_INFO_NODES) as BuildInfoField[];
/** What the inventory needs; ProductUri is recorded but optional. */
const REQUIRED: BuildInfoField[] = ['ManufacturerName', 'ProductName', 'SoftwareVersion', 'BuildNumber', 'BuildDate'];
/** DateTime values at or before this are "no date" (OPC 10000-6 encodes 1601-01-01 as 0). */
const NO_DATE = Date.UTC(1601, 0, 2);

const normalise = (text: string) => text.trim().toLowerCase().replace(/^v(?=\d)/, '');
const agrees = (declared: string, reported: string) => normalise(reported).includes(normalise(declared)) || normalise(declared).includes(normalise(reported));

export default defineCheck({
  id: 'opcua.inventory.build-info',
  requirement: 'CR 7.8',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'The OPC UA server reports its BuildInfo for the component inventory',
  expectation:
    'Server.ServerStatus.BuildInfo gives a non-empty manufacturer, product name, software version and build number and a real build date; differences from the vendor, model and firmware the profile declares are pointed out for review',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      const reads = await ctx.step('read Server.ServerStatus.BuildInfo field by field', () =>
        target.withSession(target.leastPrivilegedIdentity(), channel, (session) => session.readValues(FIELDS.map((field) => BUILD_INFO_NODES[field]))),
      );
      const values = Object.fromEntries(
        FIELDS.map((field, index) => {
          const read = reads[index]!;
          if (!isGood(read.status)) return [field, undefined];
          const value = read.value instanceof Date ? (read.value.getTime() <= NO_DATE ? '' : read.value.toISOString()) : String(read.value ?? '').trim();
          return [field, value];
        }),
      ) as Record<BuildInfoField, string | undefined>;
      const unreadable = FIELDS.flatMap((field, index) => (isGood(reads[index]!.status) ? [] : [`${field} (${formatStatus(reads[index]!.status)})`]));
      if (unreadable.length === FIELDS.length) throw new Error(`no BuildInfo field could be read: ${unreadable.join(', ')}`);
      const listing = FIELDS.map((field) => `${field}="${values[field] ?? ''}"`).join(', ');
      ctx.attach({ name: 'BuildInfo', contentType: 'application/json', extension: 'json', content: JSON.stringify(values, null, 2) });

      const missing = REQUIRED.filter((field) => !values[field]);
      const { vendor, model, firmware } = ctx.profile.component;
      const differences: string[] = [];
      if (vendor && values.ManufacturerName && !agrees(vendor, values.ManufacturerName)) differences.push(`ManufacturerName "${values.ManufacturerName}" vs declared vendor "${vendor}"`);
      if (model && values.ProductName && !agrees(model, values.ProductName) && !(values.ProductUri && agrees(model, values.ProductUri))) differences.push(`ProductName "${values.ProductName}" vs declared model "${model}"`);
      if (firmware && values.SoftwareVersion && !agrees(firmware, values.SoftwareVersion)) differences.push(`SoftwareVersion "${values.SoftwareVersion}" vs declared firmware "${firmware}"`);
      // The known-vulnerability matching reads `identity` (core/advisories/identity.ts).
      const identity = reportedIdentity({
        vendor: { field: 'ManufacturerName', value: values.ManufacturerName ?? '' },
        products: [{ field: 'ProductName', value: values.ProductName ?? '' }],
        version: { field: 'SoftwareVersion', value: values.SoftwareVersion ?? '' },
      });
      const details = { buildInfo: values, unreadable, missing, declared: { vendor, model, firmware }, differences, identity };
      // The inventory reads the labelled values of this line (reports/fleet/inventory.ts), on pass and on fail.
      if (missing.length > 0) return fail(`BuildInfo lacks ${missing.join(', ')} (reported ${listing}): the inventory needs the supplier's documentation for them`, details);
      const comparison = differences.length > 0 ? `; differs from the profile, to review: ${differences.join('; ')}` : vendor || model || firmware ? '; agrees with the declared inventory' : '';
      return pass(`BuildInfo identifies the server: ${listing}${comparison}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
