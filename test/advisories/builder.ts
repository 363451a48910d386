import type { CsafDocument, CsafProductStatusKey, LoadedAdvisory } from '../../core/advisories/csaf.js';

/** Small CSAF 2.0 security advisories for tests, valid against the schema and the mandatory tests. */

export interface ProductEntry {
  id: string;
  /** product_version or product_version_range; absent: the product in all versions. */
  version?: { category: 'product_version' | 'product_version_range'; name: string };
}

export interface VulnerabilityEntry {
  cve?: string;
  title?: string;
  status: Partial<Record<CsafProductStatusKey, string[]>>;
  vector?: string;
  baseScore?: number;
  remediation?: { category: string; details: string; product_ids: string[] };
}

export interface AdvisoryOptions {
  id: string;
  vendor: string;
  product: string;
  products: ProductEntry[];
  vulnerabilities: VulnerabilityEntry[];
  released?: string;
  updated?: string;
  revision?: string;
  namespace?: string;
}

const SEVERITY = (score: number) => (score >= 9 ? 'CRITICAL' : score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : score > 0 ? 'LOW' : 'NONE');

export function csafAdvisory(options: AdvisoryOptions): CsafDocument {
  const released = options.released ?? '2025-02-01T10:00:00.000Z';
  const updated = options.updated ?? released;
  const revision = options.revision ?? '1';
  const history = Array.from({ length: Number(revision) }, (_, index) => ({
    date: index === Number(revision) - 1 ? updated : released,
    number: String(index + 1),
    summary: index === 0 ? 'First release.' : 'Update.',
  }));
  const versioned = options.products.filter((product) => product.version);
  const unversioned = options.products.filter((product) => !product.version);
  if (unversioned.length > 1) throw new Error('one unversioned product per advisory in this builder');
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: `${options.vendor} ${options.product}: test advisory ${options.id}`,
      lang: 'en',
      publisher: { category: 'vendor', name: options.vendor, namespace: options.namespace ?? 'https://example.invalid' },
      notes: [{ category: 'summary', title: 'Summary', text: 'Test data written for the iec62443-harness tests.' }],
      references: [{ category: 'self', summary: 'This advisory', url: `https://example.invalid/${options.id}.json` }],
      tracking: { id: options.id, status: 'final', version: revision, initial_release_date: released, current_release_date: updated, revision_history: history },
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: options.vendor,
          branches: [
            {
              category: 'product_name',
              name: options.product,
              ...(unversioned[0] ? { product: { product_id: unversioned[0].id, name: `${options.vendor} ${options.product}` } } : {}),
              ...(versioned.length
                ? {
                    branches: versioned.map((product) => ({
                      category: product.version!.category,
                      name: product.version!.name,
                      product: { product_id: product.id, name: `${options.vendor} ${options.product} ${product.version!.name}` },
                    })),
                  }
                : {}),
            },
          ],
        },
      ],
    },
    vulnerabilities: options.vulnerabilities.map((vulnerability) => {
      const ids = Object.values(vulnerability.status).flat();
      return {
        ...(vulnerability.cve ? { cve: vulnerability.cve } : {}),
        title: vulnerability.title ?? `Vulnerability ${vulnerability.cve ?? ''}`.trim(),
        notes: [{ category: 'description', title: 'Description', text: 'A test vulnerability.' }],
        product_status: vulnerability.status,
        ...(vulnerability.vector
          ? { scores: [{ products: ids, cvss_v3: { version: vulnerability.vector.slice(5, 8), vectorString: vulnerability.vector, baseScore: vulnerability.baseScore ?? 0, baseSeverity: SEVERITY(vulnerability.baseScore ?? 0) } }] }
          : {}),
        ...(vulnerability.remediation ? { remediations: [vulnerability.remediation] } : {}),
      };
    }),
  } as CsafDocument;
}

export const loaded = (document: CsafDocument, file = `${document.document.tracking.id}.json`): LoadedAdvisory => ({ file, document });

/** CVSS 3.1 vectors with known base scores. */
export const VECTORS = {
  critical: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8 },
  high: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', baseScore: 7.5 },
  medium: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', baseScore: 5.3 },
} as const;
