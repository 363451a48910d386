import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogData, CatalogItem } from './types.js';
import type { ComponentType } from '../profile/schema.js';

export type { CatalogData, CatalogItem } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

export const FUNCTIONAL_REQUIREMENTS: Record<number, { code: string; name: string }> = {
  1: { code: 'IAC', name: 'Identification and authentication control' },
  2: { code: 'UC', name: 'Use control' },
  3: { code: 'SI', name: 'System integrity' },
  4: { code: 'DC', name: 'Data confidentiality' },
  5: { code: 'RDF', name: 'Restricted data flow' },
  6: { code: 'TRE', name: 'Timely response to events' },
  7: { code: 'RA', name: 'Resource availability' },
};

export const frLabel = (fr: number): string => `FR ${fr} ${FUNCTIONAL_REQUIREMENTS[fr]?.name ?? ''}`.trim();

let cached: { data: CatalogData; byId: Map<string, CatalogItem> } | undefined;

function load() {
  if (!cached) {
    const data = JSON.parse(readFileSync(join(here, 'catalog.json'), 'utf8')) as CatalogData;
    cached = { data, byId: new Map(data.items.map((item) => [item.id, item])) };
  }
  return cached;
}

export const catalog = (): CatalogData => load().data;
export const catalogItems = (): CatalogItem[] => load().data.items;
export const findRequirement = (id: string): CatalogItem | undefined => load().byId.get(id.trim().replace(/\s+/g, ' '));

export interface ApplicabilityScope {
  type?: ComponentType;
  targetSL?: number;
  /** true or false: the component has (no) wireless interfaces; undefined: wireless-only items are not judged. */
  wireless?: boolean;
}

/**
 * Why a catalog item does not apply to a component of this type at this target SL, or undefined when it applies.
 * The one place applicability is decided: check selection, requirement verdicts and catalog listings all ask here.
 */
export function outOfScope(item: CatalogItem, scope: ApplicabilityScope): string | undefined {
  if (scope.type !== undefined && !item.appliesTo.includes(scope.type)) return `applies to ${item.appliesTo.join(', ')}, not to a ${scope.type}`;
  const lowest = Math.min(...item.sl);
  if (scope.targetSL !== undefined && lowest > scope.targetSL) return `required from SL-C ${lowest}; the target is SL ${scope.targetSL}`;
  if (scope.wireless === false && item.wirelessOnly) return 'applies only to wireless interfaces; the profile declares none (component.wireless)';
  return undefined;
}

/** Items required of a component type at a target SL (SLs are cumulative: SL 3 includes what SL 1-3 require). */
export function requirementsFor(type: ComponentType | undefined, targetSL: number | undefined): CatalogItem[] {
  return catalogItems().filter((item) => outOfScope(item, { type, targetSL }) === undefined);
}

/** Catalog order: FR, base number, prefix (CR before SAR/EDR/HDR/NDR), then the base before its enhancements. */
export function compareRequirementIds(a: string, b: string): number {
  const key = (id: string) => {
    const match = /^(\w+) (\d+)\.(\d+)(?: RE\((\d+)\))?$/.exec(id);
    if (!match) return [99, 99, 99, 0, id] as const;
    return [Number(match[2]), Number(match[3]), ['CR', 'SAR', 'EDR', 'HDR', 'NDR'].indexOf(match[1]!), Number(match[4] ?? 0), id] as const;
  };
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return (ka[i] as number) - (kb[i] as number);
  return 0;
}
