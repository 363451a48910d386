import type { CheckStatus } from '../check.js';
import type { CatalogItem } from '../catalog/index.js';
import type { Profile } from '../profile/schema.js';
import type { FoundInterface } from '../protocol.js';
import type { FailedLoginCount } from '../safety/failed-logins.js';

/**
 * The finished verdicts as reports receive them. Reports import these types only; the rules that produce them live
 * in core/verdict/judge.ts and core/verdict/document.ts.
 */

export const VERDICTS = ['pass', 'fail', 'error', 'compensated', 'not-tested', 'manual', 'not-applicable'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface CheckEntry {
  id: string;
  title: string;
  /** The interface the check ran against. */
  interface?: string;
  status: CheckStatus;
  expectation: string;
  observed?: string;
  message?: string;
  durationMs: number;
  /** Its test in the Allure report: allure-report/index.html#/<allureId>. */
  allureId?: string;
}

/** One interface's share of a requirement. */
export interface InterfaceVerdict {
  name: string;
  /** Protocol of a declared interface ("opcua", "tls"), or the service a scan saw ("ssh"). */
  kind: string;
  label?: string;
  verdict: Verdict;
  rationale?: string;
  evidence?: string;
  /** Set for a service the CR 7.7 scan found on a port no endpoint declares. */
  found?: FoundInterface;
  checks: CheckEntry[];
}

export interface RequirementVerdict {
  id: string;
  title: string;
  fr: number;
  sl: number[];
  confidence: CatalogItem['confidence'];
  testClass: CatalogItem['testClass'];
  verdict: Verdict;
  /** Why the verdict is what it is, when the checks alone do not say it. */
  rationale?: string;
  evidence?: string;
  /** Each interface the requirement concerns, with its own verdict; the requirement's verdict is their sum. */
  interfaces: InterfaceVerdict[];
  checks: CheckEntry[];
}

export interface FrSummary {
  name: string;
  /** The highest SL at which every requirement is met, documentary ones included (0 while documents are missing). */
  achievedSL: number;
  /** The highest SL the automated evidence supports, requirements that need documents left aside. */
  automatedSL: number;
  /** Requirements up to the target SL that stay open until documents are supplied (verdict manual). */
  awaitingDocuments: number;
  verdicts: Partial<Record<Verdict, number>>;
}

export interface ComplianceDocument {
  harness: { name: string; version: string };
  catalog: { edition: string };
  component: Profile['component'] & { host: string };
  targetSL: number;
  startedAt: string;
  finishedAt: string;
  /** How the run was limited (--only, --protocol, --disruptive); absent fields mean no limit. */
  scope: { only?: string[]; protocol?: string; disruptive: boolean; interrupted?: string; unreachable?: string; unsetAccounts?: Array<{ index: number; role: string; variables: string[] }> };
  /** Every interface of the component: the declared ones and those the scan found. */
  interfaces: Array<{ name: string; kind: string; label: string; found?: FoundInterface; profilePath?: Array<string | number> }>;
  /** Failed logins the run sent, per interface and account (a lab checks them against the device's lockout policy). */
  failedLogins?: FailedLoginCount[];
  requirements: RequirementVerdict[];
  /** Known vulnerabilities from the CSAF advisories given with --advisories (or `advisories:` in the profile). */
  vulnerabilities?: KnownVulnerabilities;
  summary: {
    byVerdict: Partial<Record<Verdict, number>>;
    byFR: Record<string, FrSummary>;
  };
}

/**
 * Known vulnerabilities of the component: the vendors' CSAF advisories matched against the identity the device
 * reported and its profile declares (core/advisories/). Present when the run was given an advisories folder.
 */
export const VULNERABILITY_STATUSES = ['affected', 'under-investigation', 'possibly-affected', 'fixed', 'not-affected'] as const;
/**
 * What the advisories say of this component's version: `affected` (known affected, also first/last affected),
 * `under-investigation`, `possibly-affected` (the product matches but the version is unknown or its rule unreadable),
 * `fixed` (fixed, first fixed or recommended at or before this version), `not-affected` (known not affected).
 */
export type VulnerabilityStatus = (typeof VULNERABILITY_STATUSES)[number];

/** One identity field as the device or the profile stated it: the field's own name and its value. */
export interface IdentityValue {
  field: string;
  value: string;
}

/** A vendor/product/version triple from one source: a check on one interface, or the profile. */
export interface ComponentIdentity {
  /** "profile", or the id of the check that read it ("modbus.inventory.device-identification"). */
  source: string;
  interface?: string;
  vendor?: IdentityValue;
  /** Every name the source gives the product (product code, model name, product name), most specific first. */
  products: IdentityValue[];
  version?: IdentityValue;
}

/** Why one advisory product was taken for this component, rule by rule, so a reader can judge it. */
export interface VulnerabilityMatch {
  advisory: string;
  productId: string;
  /** The advisory's product as its product tree names it, e.g. "Example Automation / TPLC-100 / vers:generic/<2.5.0". */
  product: string;
  identity: { source: string; interface?: string };
  vendor: string;
  productName: string;
  version: string;
  status: VulnerabilityStatus;
}

export interface CvssScore {
  /** "2.0", "3.0", "3.1", "4.0". */
  version: string;
  vector: string;
  baseScore: number;
  severity: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  /** The advisory's own base score where it differs from the one computed from the vector. */
  statedBaseScore?: number;
}

export interface AdvisoryReference {
  id: string;
  title: string;
  publisher: string;
  /** document.tracking.initial_release_date */
  released: string;
  /** document.tracking.current_release_date */
  updated: string;
  version: string;
  /** The file it was read from, relative to the advisories folder. */
  file: string;
  /** The advisory's self or external reference, if it gives one. */
  url?: string;
}

export interface KnownVulnerability {
  /** The CVE id, else the advisory's own id for it ("EXA-2025-001#2"). */
  id: string;
  cve?: string;
  title: string;
  status: VulnerabilityStatus;
  /** Versions the advisories name as fixed (fixed, first_fixed, recommended) for the matched product. */
  fixedIn: string[];
  cvss?: CvssScore;
  /** CVSS base score of 7.0 or more. */
  highRisk: boolean;
  remediations: Array<{ category: string; details: string; url?: string }>;
  /** The advisory the status comes from; others that name the same vulnerability follow in `alsoIn`. */
  advisory: AdvisoryReference;
  alsoIn?: AdvisoryReference[];
  matches: VulnerabilityMatch[];
  /** The profile's declaration by CVE id: compensated (mitigated by a countermeasure) or not-applicable. */
  declaration?: { verdict: 'compensated' | 'not-applicable'; rationale: string; evidence?: string };
  /** Affected and not declared: what the fleet KPI counts when also high-risk. */
  unmitigated: boolean;
}

export interface AdvisoryProblem {
  file: string;
  /** unreadable: not JSON or not a file; invalid: not a usable CSAF 2.0 document (skipped); warning: used, but a
   *  validator test failed; superseded: an older revision of an advisory also present. */
  kind: 'unreadable' | 'invalid' | 'warning' | 'superseded';
  message: string;
}

export interface KnownVulnerabilities {
  /** The advisories folder as given. */
  folder: string;
  /** How the documents were validated (validator and tests), stated in the report. */
  validation: string;
  /** Advisories read and used. */
  advisories: AdvisoryReference[];
  problems: AdvisoryProblem[];
  /** The identities matched, from every interface that reported one and from the profile. */
  identities: ComponentIdentity[];
  vulnerabilities: KnownVulnerability[];
  /** Declarations by CVE id that match no vulnerability found. */
  unusedDeclarations: string[];
  summary: Record<VulnerabilityStatus, number> & { mitigated: number; unmitigatedHighRisk: number };
}
