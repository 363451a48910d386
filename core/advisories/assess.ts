import type {
  AdvisoryProblem,
  AdvisoryReference,
  ComponentIdentity,
  CvssScore,
  KnownVulnerabilities,
  KnownVulnerability,
  VulnerabilityMatch,
  VulnerabilityStatus,
} from '../verdict/model.js';
import { VULNERABILITY_STATUSES } from '../verdict/model.js';
import { advisoryUrl, groupMembers, productsOf, type AdvisoryProduct, type CsafDocument, type CsafProductStatusKey, type CsafVulnerability, type LoadedAdvisory } from './csaf.js';
import { preferredScore, readScore } from './cvss.js';
import type { VulnerabilityDeclaration } from './declarations.js';
import { sameProduct, sameVendor } from './names.js';
import { compareVersions, describeRange, inRange, normaliseVersion, parseVersionRange, sameVersion } from './versions.js';

/** CVSS base score from which a vulnerability counts as high-risk (CVSS "High" and "Critical"). */
export const HIGH_RISK_SCORE = 7.0;

/** Which status wins when rules, identities or advisories disagree: the one that keeps the component safe first. */
const PRECEDENCE: VulnerabilityStatus[] = ['affected', 'under-investigation', 'fixed', 'not-affected', 'possibly-affected'];
const rank = (status: VulnerabilityStatus) => PRECEDENCE.indexOf(status);

/** What each product status list says of the versions its products stand for. */
const STATUS_RULES: Record<CsafProductStatusKey, { status: VulnerabilityStatus; bound?: 'from' | 'until' }> = {
  known_affected: { status: 'affected' },
  first_affected: { status: 'affected', bound: 'from' },
  last_affected: { status: 'affected', bound: 'until' },
  under_investigation: { status: 'under-investigation' },
  fixed: { status: 'fixed' },
  first_fixed: { status: 'fixed', bound: 'from' },
  recommended: { status: 'fixed', bound: 'from' },
  known_not_affected: { status: 'not-affected' },
};

/** A product of the advisory taken for the component by one identity, with the rules that made it so. */
interface ProductMatch {
  product: AdvisoryProduct;
  identity: ComponentIdentity;
  vendor: string;
  productName: string;
}

function matchProduct(identity: ComponentIdentity, product: AdvisoryProduct): ProductMatch | undefined {
  if (!identity.vendor || !product.vendor) return undefined;
  const vendorRule = sameVendor(identity.vendor.value, product.vendor);
  if (!vendorRule) return undefined;
  for (const reported of identity.products) {
    for (const name of product.productNames) {
      const rule = sameProduct(reported.value, name);
      if (rule) {
        return {
          product,
          identity,
          vendor: `${identity.vendor.field} "${identity.vendor.value}" = vendor "${product.vendor}" (${vendorRule})`,
          productName: `${reported.field} "${reported.value}" = product "${name}" (${rule})`,
        };
      }
    }
  }
  return undefined;
}

/** Where one identity's version stands against one product status entry: a status, or nothing when not covered. */
function judgeVersion(match: ProductMatch, key: CsafProductStatusKey): { status: VulnerabilityStatus; version: string; specificity: number } | undefined {
  const rule = STATUS_RULES[key];
  const { version: productVersion } = match.product;
  const reported = match.identity.version;
  const list = key;
  const possibly = (why: string) =>
    rule.status === 'affected' || rule.status === 'under-investigation' ? { status: 'possibly-affected' as const, version: `${why}; the advisory lists it as ${list}`, specificity: 0 } : undefined;
  if (productVersion.kind === 'none') {
    // A product without a version branch stands for all its versions; only "affected"-like lists then say anything.
    return rule.bound ? undefined : { status: rule.status, version: `${list} names the product without a version (all versions)`, specificity: 1 };
  }
  if (!reported) return possibly(`no version reported for ${productVersion.kind === 'exact' ? `version ${productVersion.text}` : `range ${productVersion.text}`}`);
  const said = `${reported.field} "${reported.value}"`;
  if (productVersion.kind === 'exact') {
    const order = compareVersions(reported.value, productVersion.text);
    if (order === undefined) return sameVersion(reported.value, productVersion.text) ? { status: rule.status, version: `${said} is ${list} version ${productVersion.text}`, specificity: 3 } : undefined;
    if (!rule.bound) return order === 0 ? { status: rule.status, version: `${said} is ${list} version ${productVersion.text}`, specificity: 3 } : undefined;
    if (rule.bound === 'from' && order >= 0) return { status: rule.status, version: `${said} is at or after ${list} version ${productVersion.text}`, specificity: 2 };
    if (rule.bound === 'until' && order <= 0) return { status: rule.status, version: `${said} is at or before ${list} version ${productVersion.text}`, specificity: 2 };
    return undefined;
  }
  const range = parseVersionRange(productVersion.text);
  if (!range) return possibly(`the range "${productVersion.text}" is not machine-readable (neither vers nor a known wording)`);
  const contained = inRange(reported.value, range);
  if (contained === undefined) return possibly(`${said} cannot be ordered against "${productVersion.text}"`);
  if (!contained) return undefined;
  const shown = range.kind === 'constraints' && range.vers ? productVersion.text : `"${productVersion.text}" (read as ${describeRange(range)})`;
  return { status: rule.status, version: `${said} lies in ${list} range ${shown}`, specificity: 2 };
}

const asArray = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

function referenceOf(advisory: LoadedAdvisory): AdvisoryReference {
  const { document } = advisory.document;
  const url = advisoryUrl(advisory.document);
  return {
    id: String(document.tracking.id),
    title: String(document.title),
    publisher: String(document.publisher?.name ?? ''),
    released: String(document.tracking.initial_release_date),
    updated: String(document.tracking.current_release_date),
    version: String(document.tracking.version),
    file: advisory.file,
    ...(url ? { url } : {}),
  };
}

/** One vulnerability as one advisory sees it for this component. */
interface AdvisoryFinding extends Omit<KnownVulnerability, 'alsoIn' | 'declaration' | 'unmitigated' | 'highRisk'> {
  updated: string;
}

function vulnerabilityId(advisory: AdvisoryReference, vulnerability: CsafVulnerability, index: number): { id: string; cve?: string } {
  if (typeof vulnerability.cve === 'string' && vulnerability.cve.trim()) return { id: vulnerability.cve.trim().toUpperCase(), cve: vulnerability.cve.trim().toUpperCase() };
  const own = asArray(vulnerability.ids)[0];
  return { id: own && typeof own.text === 'string' ? `${own.system_name}: ${own.text}` : `${advisory.id}#${index + 1}` };
}

function findingsOf(advisory: LoadedAdvisory, identities: ComponentIdentity[]): AdvisoryFinding[] {
  const document: CsafDocument = advisory.document;
  const products = productsOf(document);
  const matches = new Map<string, ProductMatch[]>();
  for (const product of products.values()) {
    for (const identity of identities) {
      const match = matchProduct(identity, product);
      if (match) matches.set(product.productId, [...(matches.get(product.productId) ?? []), match]);
    }
  }
  if (matches.size === 0) return [];
  const reference = referenceOf(advisory);
  const findings: AdvisoryFinding[] = [];
  asArray(document.vulnerabilities).forEach((vulnerability, index) => {
    if (!vulnerability || typeof vulnerability !== 'object') return;
    // Per identity the most specific rule decides (an exact version over a range); ties go to the safer status.
    const perIdentity = new Map<ComponentIdentity, Array<{ match: ProductMatch; status: VulnerabilityStatus; version: string; specificity: number }>>();
    const fixedIn = new Set<string>();
    for (const key of Object.keys(STATUS_RULES) as CsafProductStatusKey[]) {
      for (const productId of asArray(vulnerability.product_status?.[key])) {
        for (const match of matches.get(productId) ?? []) {
          const version = match.product.version;
          if (STATUS_RULES[key].status === 'fixed' && version.kind === 'exact') fixedIn.add(normaliseVersion(version.text));
          const judged = judgeVersion(match, key);
          if (judged) perIdentity.set(match.identity, [...(perIdentity.get(match.identity) ?? []), { match, ...judged }]);
        }
      }
    }
    const decided = [...perIdentity.values()].map((hits) => {
      const best = Math.max(...hits.map((hit) => hit.specificity));
      return hits.filter((hit) => hit.specificity === best).sort((a, b) => rank(a.status) - rank(b.status))[0]!;
    });
    if (decided.length === 0) return;
    const status = decided.map((entry) => entry.status).sort((a, b) => rank(a) - rank(b))[0]!;
    const matchedIds = new Set(decided.map((entry) => entry.match.product.productId));
    const scores: CvssScore[] = [];
    const allScores: CvssScore[] = [];
    for (const score of asArray(vulnerability.scores)) {
      for (const cvss of [score?.cvss_v3, score?.cvss_v2, (score as { cvss_v4?: object } | undefined)?.cvss_v4]) {
        if (!cvss) continue;
        const reading = readScore(cvss);
        if (!reading.score) continue;
        allScores.push(reading.score);
        if (asArray(score.products).some((id) => matchedIds.has(id))) scores.push(reading.score);
      }
    }
    const cvss = preferredScore(scores.length > 0 ? scores : allScores);
    const remediations = asArray(vulnerability.remediations)
      .filter((remediation) => [...asArray(remediation?.product_ids), ...groupMembers(document, asArray(remediation?.group_ids))].some((id) => matchedIds.has(id)))
      .map((remediation) => ({ category: String(remediation.category), details: String(remediation.details ?? ''), ...(remediation.url ? { url: String(remediation.url) } : {}) }));
    const matchList: VulnerabilityMatch[] = decided.map((entry) => ({
      advisory: reference.id,
      productId: entry.match.product.productId,
      product: entry.match.product.path,
      identity: { source: entry.match.identity.source, ...(entry.match.identity.interface ? { interface: entry.match.identity.interface } : {}) },
      vendor: entry.match.vendor,
      productName: entry.match.productName,
      version: entry.version,
      status: entry.status,
    }));
    findings.push({
      ...vulnerabilityId(reference, vulnerability, index),
      title: String(vulnerability.title ?? asArray(vulnerability.notes).find((note) => note?.category === 'summary')?.text ?? reference.title),
      status,
      fixedIn: [...fixedIn].sort((a, b) => compareVersions(a, b) ?? a.localeCompare(b)),
      ...(cvss ? { cvss } : {}),
      remediations,
      advisory: reference,
      matches: matchList,
      updated: reference.updated,
    });
  });
  return findings;
}

/**
 * Of several files with the same advisory id, the newest revision (current release date, then version); the others
 * are reported as superseded.
 */
export function latestRevisions(advisories: LoadedAdvisory[]): { advisories: LoadedAdvisory[]; superseded: AdvisoryProblem[] } {
  const byId = new Map<string, LoadedAdvisory>();
  const superseded: AdvisoryProblem[] = [];
  const newer = (a: LoadedAdvisory, b: LoadedAdvisory) => {
    const [ta, tb] = [a.document.document.tracking, b.document.document.tracking];
    return Date.parse(ta.current_release_date) - Date.parse(tb.current_release_date) || (compareVersions(String(ta.version), String(tb.version)) ?? 0);
  };
  for (const advisory of advisories) {
    const key = `${advisory.document.document.publisher?.namespace ?? ''}\n${advisory.document.document.tracking.id}`;
    const other = byId.get(key);
    if (!other) {
      byId.set(key, advisory);
      continue;
    }
    const [kept, dropped] = newer(advisory, other) > 0 ? [advisory, other] : [other, advisory];
    byId.set(key, kept);
    superseded.push({ file: dropped.file, kind: 'superseded', message: `revision ${dropped.document.document.tracking.version} of ${dropped.document.document.tracking.id}; ${kept.file} holds the newer revision ${kept.document.document.tracking.version}` });
  }
  return { advisories: advisories.filter((advisory) => [...byId.values()].includes(advisory)), superseded };
}

export interface AssessInput {
  folder: string;
  validation: string;
  advisories: LoadedAdvisory[];
  /** Files that could not be used, or were used with validator findings. */
  problems: AdvisoryProblem[];
  identities: ComponentIdentity[];
  declarations: Map<string, VulnerabilityDeclaration>;
}

/** The known vulnerabilities of the component: every advisory matched against every identity, declarations applied. */
export function assessVulnerabilities(input: AssessInput): KnownVulnerabilities {
  const { advisories, superseded } = latestRevisions(input.advisories);
  const byId = new Map<string, AdvisoryFinding[]>();
  for (const advisory of advisories) {
    for (const finding of findingsOf(advisory, input.identities)) byId.set(finding.id, [...(byId.get(finding.id) ?? []), finding]);
  }
  const vulnerabilities: KnownVulnerability[] = [...byId.values()].map((findings) => {
    // The safest status wins; among advisories that agree, the most recently updated one leads.
    const ordered = [...findings].sort((a, b) => rank(a.status) - rank(b.status) || Date.parse(b.updated) - Date.parse(a.updated));
    const { updated: _updated, ...lead } = ordered[0]!;
    const others = ordered.slice(1);
    const declaration = lead.cve ? input.declarations.get(lead.cve) : undefined;
    const cvss = lead.cvss ?? preferredScore(others.flatMap((other) => (other.cvss ? [other.cvss] : [])));
    return {
      ...lead,
      ...(cvss ? { cvss } : {}),
      fixedIn: [...new Set(findings.flatMap((finding) => finding.fixedIn))].sort((a, b) => compareVersions(a, b) ?? a.localeCompare(b)),
      highRisk: (cvss?.baseScore ?? 0) >= HIGH_RISK_SCORE,
      matches: findings.flatMap((finding) => finding.matches),
      ...(others.length > 0 ? { alsoIn: others.map((other) => other.advisory) } : {}),
      ...(declaration ? { declaration } : {}),
      unmitigated: lead.status === 'affected' && !declaration,
    };
  });
  vulnerabilities.sort((a, b) => rank(a.status) - rank(b.status) || (b.cvss?.baseScore ?? -1) - (a.cvss?.baseScore ?? -1) || a.id.localeCompare(b.id));
  const summary = Object.fromEntries(VULNERABILITY_STATUSES.map((status) => [status, vulnerabilities.filter((entry) => entry.status === status).length])) as Record<VulnerabilityStatus, number>;
  const found = new Set(vulnerabilities.map((entry) => entry.cve).filter(Boolean));
  return {
    folder: input.folder,
    validation: input.validation,
    advisories: advisories.map(referenceOf),
    problems: [...input.problems, ...superseded],
    identities: input.identities,
    vulnerabilities,
    unusedDeclarations: [...input.declarations.keys()].filter((id) => !found.has(id)).sort(),
    summary: {
      ...summary,
      mitigated: vulnerabilities.filter((entry) => entry.status === 'affected' && entry.declaration).length,
      unmitigatedHighRisk: vulnerabilities.filter((entry) => entry.unmitigated && entry.highRisk).length,
    },
  };
}
