import type { Declaration, Profile } from '../profile/schema.js';

/**
 * Declarations by CVE id. `declarations` is keyed by requirement ids; a key that is a CVE id ("CVE-2024-12345")
 * declares instead how the component deals with that known vulnerability: `compensated` (a countermeasure mitigates
 * it, the rationale names it) or `not-applicable` (the vulnerable function is absent or off in this component).
 * A vulnerability concerns the firmware, not one interface, so such a declaration names no interface.
 */

export const CVE_ID = /^CVE-\d{4}-\d{4,}$/i;

export const isVulnerabilityId = (key: string): boolean => CVE_ID.test(key.trim());

export type VulnerabilityDeclaration = { verdict: 'compensated' | 'not-applicable'; rationale: string; evidence?: string };

/** Problems of a declaration keyed by a CVE id, as profile problems (path and message). */
export function vulnerabilityDeclarationProblems(key: string, declarations: Declaration[]): Array<{ path: string; message: string }> {
  const path = `declarations.${key}`;
  if (declarations.length !== 1) return [{ path, message: 'a vulnerability takes one declaration, not a list' }];
  const declaration = declarations[0]!;
  const problems: Array<{ path: string; message: string }> = [];
  if (declaration.verdict === 'manual') {
    problems.push({ path: `${path}.verdict`, message: 'a known vulnerability is declared compensated (mitigated by a countermeasure) or not-applicable (the vulnerable function is absent), not manual' });
  }
  if (declaration.interface !== undefined) problems.push({ path: `${path}.interface`, message: 'a known vulnerability concerns the whole component; leave out interface' });
  return problems;
}

/** The profile's declarations by CVE id, keyed by the id in upper case. */
export function vulnerabilityDeclarations(profile: Pick<Profile, 'declarations'>): Map<string, VulnerabilityDeclaration> {
  const found = new Map<string, VulnerabilityDeclaration>();
  for (const [key, list] of Object.entries(profile.declarations)) {
    const declaration = list[0];
    if (!isVulnerabilityId(key) || !declaration || declaration.verdict === 'manual') continue;
    found.set(key.trim().toUpperCase(), {
      verdict: declaration.verdict,
      rationale: declaration.rationale,
      ...(declaration.evidence ? { evidence: declaration.evidence } : {}),
    });
  }
  return found;
}
