import type { ComponentType } from '../profile/schema.js';

export type TestClass = 'BB' | 'BB-P' | 'DOC' | 'LAB' | 'N/A-net';

/** How sure the research is of the SL assignment: H = several sources agree, M = two or a resolved dissent, L = one. */
export interface Confidence {
  level: 'H' | 'M' | 'L';
  note?: string;
}

export interface CatalogItem {
  /** Exactly as in the standard: "CR 1.1", "CR 3.1 RE(1)", "EDR 3.12". */
  id: string;
  kind: 'base' | 'enhancement';
  /** The base requirement's id (the item's own id for a base requirement). */
  base: string;
  enhancement?: number;
  prefix: 'CR' | 'SAR' | 'EDR' | 'HDR' | 'NDR';
  fr: number;
  title: string;
  appliesTo: ComponentType[];
  /** Only for components with wireless interfaces. */
  wirelessOnly?: boolean;
  /** SL-C levels at which the item is required. */
  sl: number[];
  slNote?: string;
  srRelation: string;
  testClass: TestClass;
  confidence: Confidence;
  sources: string;
  /** The team's own notes on how to evidence the item. */
  guidance: string;
}

export interface CatalogData {
  edition: string;
  generatedFrom: string;
  items: CatalogItem[];
  withoutComponentRequirement: Array<{ id: string; fr: number; srRelation: string; note: string }>;
}
