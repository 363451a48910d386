import type { CheckResult } from '../check.js';
import { catalogItems, compareRequirementIds, outOfScope, type CatalogItem } from '../catalog/index.js';
import type { Declaration, Profile } from '../profile/schema.js';
import { componentInterfaces, concernsOfService, concernsRequirement, type ComponentInterface, type FoundInterface } from '../protocol.js';
import type { CheckEntry, InterfaceVerdict, RequirementVerdict, Verdict } from './model.js';

/**
 * The verdict rules: one verdict per interface a requirement concerns, and the requirement's verdict as their sum.
 * A requirement that concerns every interface passes only when each of them passes or is declared; one that no
 * protocol claims (CR 7.7, CR 7.8, CR 2.11) is the component's and takes its verdict from every check that ran.
 */

/** The interfaces a run knows of: the declared ones and those the CR 7.7 scan found. */
export interface JudgedInterface {
  name: string;
  kind: string;
  label: string;
  protocols: readonly string[];
  concerns: readonly string[];
  found?: FoundInterface;
}

/** Worst first: the requirement takes the worst verdict among its interfaces. */
const SEVERITY: Verdict[] = ['fail', 'error', 'not-tested', 'manual', 'compensated', 'pass', 'not-applicable'];
const worst = (verdicts: Verdict[]): Verdict => SEVERITY.find((verdict) => verdicts.includes(verdict)) ?? 'not-applicable';

/** "ssh:22", "snmp:161/udp": the name a found service goes by in reports and declarations. */
export const foundInterfaceName = (found: FoundInterface): string => `${found.service}:${found.port}${found.transport === 'udp' ? '/udp' : ''}`;
export const FOUND_INTERFACE_NAME = /^[a-z0-9.+-]+:\d{1,5}(\/udp)?$/;

export function judgedInterfaces(profile: Profile, results: CheckResult[]): JudgedInterface[] {
  const declared: JudgedInterface[] = componentInterfaces(profile).map((entry: ComponentInterface) => ({
    name: entry.name,
    kind: entry.kind,
    label: entry.label,
    protocols: entry.protocols,
    concerns: entry.concerns,
  }));
  const found = new Map<string, JudgedInterface>();
  for (const entry of results.flatMap((result) => result.foundInterfaces ?? [])) {
    const name = foundInterfaceName(entry);
    if (found.has(name) || declared.some((known) => known.name === name)) continue;
    const where = `${entry.port}/${entry.transport}`;
    found.set(name, {
      name,
      kind: entry.service,
      label: `${profile.host} ${where}${entry.banner ? ` "${entry.banner.slice(0, 60)}"` : ''}`,
      protocols: [],
      concerns: concernsOfService(entry.service),
      found: entry,
    });
  }
  return [...declared, ...found.values()];
}

function entryOf(result: CheckResult): CheckEntry {
  return {
    id: result.checkId,
    title: result.title,
    ...(result.interface ? { interface: result.interface.name } : {}),
    status: result.status,
    expectation: result.expectation,
    ...(result.observed !== undefined ? { observed: result.observed } : {}),
    ...(result.message !== undefined ? { message: result.message } : {}),
    durationMs: result.durationMs,
  };
}

const ran = (result: CheckResult) => result.status === 'pass' || result.status === 'fail' || result.status === 'error' || result.status === 'not-tested';
const declared = (declaration: Declaration) => ({ rationale: declaration.rationale, ...(declaration.evidence ? { evidence: declaration.evidence } : {}) });

/** The declarations that speak of this item: its own id first, then its base requirement's. */
function declarationsOf(profile: Profile, item: CatalogItem): Declaration[] {
  return [...(profile.declarations[item.id] ?? []), ...(item.id !== item.base ? (profile.declarations[item.base] ?? []) : [])];
}

type Judged = { verdict: Verdict; rationale?: string; evidence?: string };

/**
 * Verdict of a set of check results, the declaration that covers them, and what to say when none ran.
 * Order of precedence among the checks that ran: fail, error, not-tested, pass.
 */
function judgeResults(results: CheckResult[], declaration: Declaration | undefined, whenNoneRan: () => Judged): Judged {
  const statuses = new Set(results.map((result) => result.status));
  if (statuses.has('fail')) return declaration?.verdict === 'compensated' ? { verdict: 'compensated', ...declared(declaration) } : { verdict: 'fail' };
  if (statuses.has('error')) return { verdict: 'error', rationale: 'a check could not reach a verdict; see its message' };
  if (statuses.has('not-tested')) {
    const reasons = [...new Set(results.filter((result) => result.status === 'not-tested').map((result) => result.message ?? 'not run'))];
    const passed = results.filter((result) => result.status === 'pass').length;
    return { verdict: 'not-tested', rationale: `${passed ? `${passed} check(s) passed; ` : ''}not run: ${reasons.join('; ')}` };
  }
  if (statuses.has('pass')) return { verdict: 'pass' };
  if (declaration) return { verdict: declaration.verdict, ...declared(declaration) };
  return whenNoneRan();
}

function judgeInterface(item: CatalogItem, entry: JudgedInterface, results: CheckResult[], declaration: Declaration | undefined, checkProtocols: readonly string[]): Judged {
  if (declaration && declaration.verdict !== 'compensated') return { verdict: declaration.verdict, ...declared(declaration) };
  return judgeResults(results, declaration, () => {
    if (entry.found) {
      const banner = entry.found.banner ? ` (banner "${entry.found.banner.slice(0, 80)}")` : '';
      return {
        verdict: 'manual',
        rationale: `${entry.found.service} found by the port scan on ${entry.found.port}/${entry.found.transport}${banner}; no endpoint is declared for it, so nothing tested it`,
      };
    }
    if (!checkProtocols.some((protocol) => entry.protocols.includes(protocol))) {
      return { verdict: 'manual', rationale: `no automated check of ${item.id} exists for ${entry.kind} interfaces; documentary evidence is needed` };
    }
    const reasons = [...new Set(results.map((result) => result.message ?? ''))].filter(Boolean);
    return { verdict: 'manual', rationale: `no automated check fits this interface (${reasons.join('; ') || 'filtered out'}); documentary evidence is needed` };
  });
}

/**
 * One verdict per catalog item (base requirement and each RE).
 * `checkProtocols`: the protocols of the checks that exist for this item, whether or not they ran.
 */
export function judge(item: CatalogItem, profile: Profile, results: CheckResult[], checkProtocols: readonly string[], interfaces: JudgedInterface[] = judgedInterfaces(profile, results)): RequirementVerdict {
  const base = { id: item.id, title: item.title, fr: item.fr, sl: item.sl, confidence: item.confidence, testClass: item.testClass, checks: results.map(entryOf) };
  const scope = outOfScope(item, { type: profile.component.type, targetSL: profile.targetSL, wireless: profile.component.wireless ?? false });
  if (scope) return { ...base, verdict: 'not-applicable', rationale: scope, interfaces: [] };
  const declarations = declarationsOf(profile, item);
  const wide = declarations.find((declaration) => declaration.interface === undefined);
  if (wide && wide.verdict !== 'compensated') return { ...base, verdict: wide.verdict, ...declared(wide), interfaces: [] };

  const resultsOf = (name: string) => results.filter((result) => result.interface?.name === name);
  const concerned = interfaces.filter((entry) => concernsRequirement(entry.concerns, item.id, item.base) || resultsOf(entry.name).some(ran));
  const perInterface = concerned.some((entry) => concernsRequirement(entry.concerns, item.id, item.base));

  const judgedInterfaces: InterfaceVerdict[] = concerned.map((entry) => {
    const own = declarations.find((declaration) => declaration.interface === entry.name) ?? wide;
    const judged = judgeInterface(item, entry, resultsOf(entry.name), own, checkProtocols);
    return {
      name: entry.name,
      kind: entry.kind,
      label: entry.label,
      ...judged,
      ...(entry.found ? { found: entry.found } : {}),
      checks: resultsOf(entry.name).map(entryOf),
    };
  });

  if (!perInterface) {
    // The component's requirement: every check that ran counts, whichever interface it used.
    const judged = judgeResults(results, wide, () => {
      if (checkProtocols.length === 0) return { verdict: 'manual', rationale: `no automated check exists (test class ${item.testClass}); documentary evidence is needed` };
      const reasons = [...new Set(results.map((result) => result.message ?? ''))].filter(Boolean);
      return { verdict: 'manual', rationale: `no automated check fits this component (${reasons.join('; ') || 'filtered out'}); documentary evidence is needed` };
    });
    return { ...base, ...judged, interfaces: judgedInterfaces };
  }

  const verdict = worst(judgedInterfaces.map((entry) => entry.verdict));
  const explained = judgedInterfaces.filter((entry) => entry.verdict === verdict && entry.rationale);
  const rationale = explained.length === 0 ? undefined : explained.map((entry) => `${entry.name} (${entry.kind}): ${entry.rationale}`).join('; ');
  const evidence = [...new Set(judgedInterfaces.filter((entry) => entry.verdict === verdict && entry.evidence).map((entry) => entry.evidence!))].join('; ');
  return { ...base, verdict, ...(rationale ? { rationale } : {}), ...(evidence ? { evidence } : {}), interfaces: judgedInterfaces };
}

export interface JudgeScope {
  /** Requirement ids the run was limited to (--only); undefined for all. */
  only?: string[];
}

/** Verdicts for the whole catalog (or the --only subset), in catalog order. `checkProtocols`: per item id, the protocols of its checks. */
export function judgeAll(profile: Profile, results: CheckResult[], checkProtocols: Map<string, readonly string[]>, scope: JudgeScope = {}): RequirementVerdict[] {
  const only = scope.only ? new Set(scope.only) : undefined;
  const interfaces = judgedInterfaces(profile, results);
  return catalogItems()
    .filter((item) => !only || only.has(item.id))
    .sort((a, b) => compareRequirementIds(a.id, b.id))
    .map((item) =>
      judge(
        item,
        profile,
        results.filter((result) => result.requirementId === item.id),
        checkProtocols.get(item.id) ?? [],
        interfaces,
      ),
    );
}
