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

export function appliesToType(item: CatalogItem, type: ComponentType): boolean {
  return item.appliesTo.includes(type);
}

/** Items required of a component type at a target SL (SLs are cumulative: SL 3 includes what SL 1-3 require). */
export function requirementsFor(type: ComponentType, targetSL: number): CatalogItem[] {
  return catalogItems().filter((item) => appliesToType(item, type) && item.sl.some((level) => level <= targetSL));
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
