import type { ComplianceDocument } from '../../core/verdict/model.js';

/** The requirement whose checks read the component's own identification (Modbus FC 43/14, OPC UA BuildInfo). */
export const INVENTORY_REQUIREMENT = 'CR 7.8';

export interface InventoryFacts {
  vendor?: string;
  model?: string;
  firmware?: string;
}

export interface InventoryEntry extends InventoryFacts {
  /** Where the facts come from: what the device reported about itself, or what its profile states. */
  source: 'CR 7.8 evidence' | 'profile';
}

/**
 * Field names as the protocols spell them (Modbus device identification objects, OPC UA BuildInfo) and as a check
 * might write them, most specific first; the words may be joined by nothing, a space, "_" or "-", in any case.
 */
const KEYS: Record<keyof InventoryFacts, string[][]> = {
  vendor: [['vendor', 'name'], ['manufacturer', 'name'], ['manufacturer'], ['vendor']],
  model: [['product', 'code'], ['model', 'name'], ['product', 'name'], ['model'], ['product']],
  firmware: [['major', 'minor', 'revision'], ['software', 'version'], ['firmware', 'version'], ['firmware'], ['revision']],
};

const VALUE = String.raw`\s*(?:[:=]\s*|\s+)(?:"([^"]*)"|'([^']*)'|([^,;()\[\]\n\s][^,;()\[\]\n]*))`;

/**
 * Reads labelled values from a check's observed line, e.g. `VendorName "Acme", ProductCode "GW-100",
 * MajorMinorRevision "2.4"` or `manufacturerName=Acme; softwareVersion=2.4.1`.
 */
export function parseIdentification(text: string): InventoryFacts {
  const facts: InventoryFacts = {};
  for (const field of Object.keys(KEYS) as Array<keyof InventoryFacts>) {
    for (const words of KEYS[field]) {
      const match = new RegExp(String.raw`(?<![A-Za-z])${words.join('[\s_-]?')}(?![A-Za-z])${VALUE}`, 'i').exec(text);
      const value = (match?.[1] ?? match?.[2] ?? match?.[3])?.trim();
      if (value) {
        facts[field] = value;
        break;
      }
    }
  }
  return facts;
}

/**
 * Vendor, model and firmware of the component in one run: from the CR 7.8 checks (the device's own identification)
 * where they state them, else from the component fields of the profile. A failed check counts too: when the device
 * reports another firmware than its profile declares, what it reports is what runs in the plant.
 */
export function inventoryOf(document: ComplianceDocument): InventoryEntry {
  const c = document.component;
  const fromProfile: InventoryFacts = {
    ...(c.vendor ? { vendor: c.vendor } : {}),
    ...(c.model ? { model: c.model } : {}),
    ...(c.firmware ? { firmware: c.firmware } : {}),
  };
  const requirement = document.requirements.find((entry) => entry.id === INVENTORY_REQUIREMENT);
  const reported: InventoryFacts = {};
  for (const check of requirement?.checks ?? []) {
    if ((check.status !== 'pass' && check.status !== 'fail') || !check.observed) continue;
    const facts = parseIdentification(check.observed);
    for (const field of Object.keys(facts) as Array<keyof InventoryFacts>) reported[field] ??= facts[field];
  }
  if (Object.keys(reported).length === 0) return { ...fromProfile, source: 'profile' };
  return { ...fromProfile, ...reported, source: 'CR 7.8 evidence' };
}
