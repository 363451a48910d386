/**
 * The parts of a CSAF 2.0 document (OASIS CSAF v2.0, sections 3.2.1-3.2.3) that say which products a vulnerability
 * concerns: the product tree (branches, full product names, relationships, groups) and each vulnerability's product
 * status, scores and remediations. Documents arrive validated (harness/advisories/), but every field is still read
 * defensively: a document with warnings is used too.
 */

export interface CsafFullProductName {
  product_id: string;
  name: string;
  product_identification_helper?: { cpe?: string; purl?: string; model_numbers?: string[]; skus?: string[] };
}

export interface CsafBranch {
  category: string;
  name: string;
  branches?: CsafBranch[];
  product?: CsafFullProductName;
}

export interface CsafRelationship {
  category: string;
  product_reference: string;
  relates_to_product_reference: string;
  full_product_name: CsafFullProductName;
}

export type CsafProductStatusKey =
  | 'first_affected'
  | 'first_fixed'
  | 'fixed'
  | 'known_affected'
  | 'known_not_affected'
  | 'last_affected'
  | 'recommended'
  | 'under_investigation';

export interface CsafCvss {
  version?: string;
  vectorString?: string;
  baseScore?: number;
  baseSeverity?: string;
}

export interface CsafVulnerability {
  cve?: string;
  ids?: Array<{ system_name: string; text: string }>;
  title?: string;
  notes?: Array<{ category: string; text: string; title?: string }>;
  product_status?: Partial<Record<CsafProductStatusKey, string[]>>;
  scores?: Array<{ products: string[]; cvss_v2?: CsafCvss; cvss_v3?: CsafCvss }>;
  remediations?: Array<{ category: string; details: string; product_ids?: string[]; group_ids?: string[]; url?: string }>;
  release_date?: string;
}

export interface CsafDocument {
  document: {
    category: string;
    csaf_version: string;
    title: string;
    publisher: { name: string; category?: string; namespace?: string };
    references?: Array<{ category?: string; summary?: string; url: string }>;
    tracking: { id: string; version: string; initial_release_date: string; current_release_date: string; status?: string };
  };
  product_tree?: {
    branches?: CsafBranch[];
    full_product_names?: CsafFullProductName[];
    relationships?: CsafRelationship[];
    product_groups?: Array<{ group_id: string; product_ids: string[] }>;
  };
  vulnerabilities?: CsafVulnerability[];
}

/** An advisory as the harness read it from the advisories folder. */
export interface LoadedAdvisory {
  /** Path relative to the advisories folder. */
  file: string;
  document: CsafDocument;
}

/** The version a product entry stands for: one version, a range, or none (the product in every version). */
export type ProductVersion = { kind: 'exact'; text: string } | { kind: 'range'; text: string } | { kind: 'none' };

/** One product of the product tree with what its branches (or CPE) say of it. */
export interface AdvisoryProduct {
  productId: string;
  vendor?: string;
  /** product_name first, then product_family names, outermost last; for a relationship, the component's and the platform's. */
  productNames: string[];
  version: ProductVersion;
  /** The path through the tree, for the report: "Example Automation / TPLC-100 / vers:generic/<2.5.0". */
  path: string;
}

const asArray = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

/** CPE 2.3 (cpe:2.3:o:vendor:product:version:…) or 2.2 (cpe:/o:vendor:product:version) into its names. */
function fromCpe(cpe: string): { vendor?: string; product?: string; version?: string } {
  const parts = cpe.startsWith('cpe:2.3:') ? cpe.split(':').slice(3) : cpe.startsWith('cpe:/') ? cpe.slice(5).split(':').slice(1) : [];
  const value = (text: string | undefined) => (text === undefined || text === '*' || text === '-' || text === '' ? undefined : text.replace(/\\(.)/g, '$1').replace(/_/g, ' '));
  const [vendor, product, version] = [value(parts[0]), value(parts[1]), value(parts[2])];
  return { ...(vendor ? { vendor } : {}), ...(product ? { product } : {}), ...(version ? { version } : {}) };
}

function withCpe(product: AdvisoryProduct, full: CsafFullProductName): AdvisoryProduct {
  const cpe = full.product_identification_helper?.cpe;
  if (typeof cpe !== 'string') return product;
  const names = fromCpe(cpe);
  return {
    ...product,
    vendor: product.vendor ?? names.vendor,
    productNames: product.productNames.length > 0 || !names.product ? product.productNames : [names.product],
    version: product.version.kind === 'none' && names.version ? { kind: 'exact', text: names.version } : product.version,
  };
}

/** Every product of the tree by id: the leaves of the branches, the full product names, and the relationships. */
export function productsOf(document: CsafDocument): Map<string, AdvisoryProduct> {
  const products = new Map<string, AdvisoryProduct>();
  const visit = (branch: CsafBranch, trail: CsafBranch[]) => {
    if (!branch || typeof branch !== 'object') return;
    const path = [...trail, branch];
    if (branch.product && typeof branch.product.product_id === 'string') {
      const named = (category: string) => path.filter((entry) => entry.category === category).map((entry) => String(entry.name));
      const version = path.findLast((entry) => entry.category === 'product_version' || entry.category === 'product_version_range');
      const product: AdvisoryProduct = {
        productId: branch.product.product_id,
        ...(named('vendor').length ? { vendor: named('vendor').at(-1)! } : {}),
        productNames: [...named('product_name').reverse(), ...named('product_family').reverse()],
        version: !version ? { kind: 'none' } : version.category === 'product_version' ? { kind: 'exact', text: String(version.name) } : { kind: 'range', text: String(version.name) },
        path: path.map((entry) => String(entry.name)).join(' / '),
      };
      products.set(product.productId, withCpe(product, branch.product));
    }
    for (const child of asArray(branch.branches)) visit(child, path);
  };
  for (const branch of asArray(document.product_tree?.branches)) visit(branch, []);
  for (const full of asArray(document.product_tree?.full_product_names)) {
    if (typeof full?.product_id !== 'string' || products.has(full.product_id)) continue;
    products.set(full.product_id, withCpe({ productId: full.product_id, productNames: [], version: { kind: 'none' }, path: String(full.name) }, full));
  }
  // "Firmware 2.4 installed on TPLC-100": the firmware gives vendor and version, either side may give the product name.
  for (const relationship of asArray(document.product_tree?.relationships)) {
    const id = relationship?.full_product_name?.product_id;
    if (typeof id !== 'string' || products.has(id)) continue;
    const component = products.get(relationship.product_reference);
    const platform = products.get(relationship.relates_to_product_reference);
    if (!component) continue;
    products.set(id, {
      productId: id,
      ...(component.vendor ?? platform?.vendor ? { vendor: (component.vendor ?? platform?.vendor)! } : {}),
      productNames: [...component.productNames, ...(platform?.productNames ?? [])],
      version: component.version,
      path: `${component.path} ${relationship.category.replace(/_/g, ' ')} ${platform?.path ?? relationship.relates_to_product_reference}`,
    });
  }
  return products;
}

/** The product ids of the groups a remediation names. */
export function groupMembers(document: CsafDocument, groupIds: string[]): string[] {
  const groups = asArray(document.product_tree?.product_groups);
  return groupIds.flatMap((id) => asArray(groups.find((group) => group.group_id === id)?.product_ids));
}

/** The advisory's link for a reader: its self reference, else its first external one. */
export function advisoryUrl(document: CsafDocument): string | undefined {
  const references = asArray(document.document.references);
  return (references.find((reference) => reference.category === 'self') ?? references.find((reference) => reference.category === 'external'))?.url;
}
