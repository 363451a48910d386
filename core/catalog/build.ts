/**
 * Builds core/catalog/catalog.json from the team's research table (shared/research/iec62443-4-2-catalog.csv).
 * Run: node --import tsx core/catalog/build.ts [path/to/catalog.csv]
 * The JSON is committed so that the harness works without the research folder; a test keeps the two in step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogData, CatalogItem, Confidence, TestClass } from './types.js';
import { COMPONENT_TYPES, type ComponentType } from '../profile/schema.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SOURCE = join(here, '..', '..', '..', 'shared', 'research', 'iec62443-4-2-catalog.csv');
export const CATALOG_JSON = join(here, 'catalog.json');

/** RFC 4180 rows: quoted fields may hold commas and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((cell) => cell !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function appliesTo(text: string): { types: ComponentType[]; wirelessOnly: boolean } {
  const wirelessOnly = text.includes('wireless');
  if (text === 'all') return { types: [...COMPONENT_TYPES], wirelessOnly };
  const type = COMPONENT_TYPES.find((candidate) => text.startsWith(candidate.replace('-', ' ')));
  if (!type) throw new Error(`unknown component type "${text}"`);
  return { types: [type], wirelessOnly };
}

function levels(text: string): { sl: number[]; slNote?: string } {
  const match = /^(\d)(?:-(\d))?\s*(?:\((.*)\))?$/.exec(text.trim());
  if (!match) throw new Error(`unreadable SL "${text}"`);
  const low = Number(match[1]);
  const high = Number(match[2] ?? match[1]);
  const sl = Array.from({ length: high - low + 1 }, (_, index) => low + index);
  return match[3] ? { sl, slNote: `dissenting source: ${match[3]}` } : { sl };
}

function confidence(text: string): Confidence {
  const match = /^([HML])\s*(?:\((.*)\))?$/.exec(text.trim());
  if (!match) throw new Error(`unreadable confidence "${text}"`);
  return match[2] ? { level: match[1] as Confidence['level'], note: match[2] } : { level: match[1] as Confidence['level'] };
}

export function buildCatalog(csvText: string): CatalogData {
  const [header, ...rows] = parseCsv(csvText);
  const column = (name: string) => {
    const index = header!.indexOf(name);
    if (index < 0) throw new Error(`column ${name} missing`);
    return index;
  };
  const c = Object.fromEntries(['id', 'fr', 'applies', 'title', 'sl', 'parent', 'sr', 'test_class', 'note', 'conf', 'sources'].map((name) => [name, column(name)]));
  const items: CatalogItem[] = [];
  const withoutComponentRequirement: CatalogData['withoutComponentRequirement'] = [];
  for (const row of rows) {
    const get = (name: string) => (row[c[name]!] ?? '').trim();
    if (get('sl') === 'none') {
      withoutComponentRequirement.push({ id: get('id'), fr: Number(get('fr').replace('FR', '')), srRelation: get('sr'), note: get('note') });
      continue;
    }
    const id = get('id');
    const enhancement = /RE\((\d+)\)$/.exec(id);
    const { types, wirelessOnly } = appliesTo(get('applies'));
    items.push({
      id,
      kind: enhancement ? 'enhancement' : 'base',
      base: enhancement ? get('parent') : id,
      ...(enhancement ? { enhancement: Number(enhancement[1]) } : {}),
      prefix: id.split(' ')[0] as CatalogItem['prefix'],
      fr: Number(get('fr').replace('FR', '')),
      title: get('title'),
      appliesTo: types,
      ...(wirelessOnly ? { wirelessOnly } : {}),
      ...levels(get('sl')),
      srRelation: get('sr'),
      testClass: get('test_class') as TestClass,
      confidence: confidence(get('conf')),
      sources: get('sources'),
      guidance: get('note'),
    });
  }
  return {
    edition: 'IEC 62443-4-2:2019 (Edition 1), SL-C assignments compiled from public secondary sources',
    generatedFrom: 'shared/research/iec62443-4-2-catalog.csv',
    items,
    withoutComponentRequirement,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const source = process.argv[2] ?? DEFAULT_SOURCE;
  const data = buildCatalog(readFileSync(source, 'utf8'));
  writeFileSync(CATALOG_JSON, `${JSON.stringify(data, null, 2)}\n`);
  const base = data.items.filter((item) => item.kind === 'base').length;
  console.log(`wrote ${CATALOG_JSON}: ${base} base requirements, ${data.items.length - base} enhancements`);
}
