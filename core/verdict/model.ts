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
  achievedSL: number;
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
  scope: { only?: string[]; protocol?: string; disruptive: boolean; interrupted?: string; unreachable?: string };
  /** Every interface of the component: the declared ones and those the scan found. */
  interfaces: Array<{ name: string; kind: string; label: string; found?: FoundInterface }>;
  /** Failed logins the run sent, per interface and account (a lab checks them against the device's lockout policy). */
  failedLogins?: FailedLoginCount[];
  requirements: RequirementVerdict[];
  summary: {
    byVerdict: Partial<Record<Verdict, number>>;
    byFR: Record<string, FrSummary>;
  };
}
