/**
 * Firmware versions and the version rules of CSAF product trees: an exact `product_version`, a `product_version_range`
 * written as a vers range (`vers:generic/>=2.0.0|<2.5.0`, the form CSAF 2.0 recommends) or, as vendors still do, in
 * words ("< V2.5", "prior to 2.5", "2.0 - 2.4", "all versions").
 */

export type Comparator = '<' | '<=' | '>' | '>=' | '=' | '!=';

export interface VersionConstraint {
  comparator: Comparator;
  version: string;
}

/** A range read into constraints, or `any` for "all versions". */
export type VersionRange = { kind: 'any' } | { kind: 'constraints'; constraints: VersionConstraint[]; vers: boolean };

/** "V2.4.1", "v 2.4", "FW 2.4.1", "Version 2.4" → "2.4.1"/"2.4": the spelling devices and advisories use for the same version. */
export function normaliseVersion(text: string): string {
  return text
    .trim()
    .replace(/^(?:firmware|software|version|release|rel\.?|fw|sw)\s*[:.]?\s*/i, '')
    .replace(/^v\s?(?=\d)/i, '')
    .trim();
}

interface ParsedVersion {
  numbers: number[];
  /** What follows the dotted numbers: "-rc1" (a pre-release), " SP1", "a". Empty for a plain version. */
  suffix: string;
}

function parseVersion(text: string): ParsedVersion | undefined {
  const match = /^(\d+(?:\.\d+)*)(.*)$/.exec(normaliseVersion(text));
  if (!match) return undefined;
  // Build metadata ("+build.5") does not order versions (as in SemVer).
  const suffix = match[2]!.replace(/\+.*$/, '').trim().toLowerCase();
  return { numbers: match[1]!.split('.').map(Number), suffix };
}

/**
 * Orders two versions: dotted numbers compare numerically with missing parts as 0 (2.4 = 2.4.0); a suffix after a
 * hyphen or tilde is a pre-release and comes before the plain version (2.5.0-rc1 < 2.5.0, as in SemVer); any other
 * suffix comes after it (2.4.1 < 2.4.1a < 2.4.1 SP1). Undefined when either is not a number-led version: such
 * versions can only be equal, not ordered.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) return normaliseVersion(a).toLowerCase() === normaliseVersion(b).toLowerCase() ? 0 : undefined;
  for (let index = 0; index < Math.max(left.numbers.length, right.numbers.length); index++) {
    const difference = (left.numbers[index] ?? 0) - (right.numbers[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (left.suffix === right.suffix) return 0;
  const rank = (suffix: string) => (suffix === '' ? 1 : /^[-~]/.test(suffix) ? 0 : 2);
  return rank(left.suffix) - rank(right.suffix) || (left.suffix < right.suffix ? -1 : 1);
}

export function sameVersion(a: string, b: string): boolean {
  return compareVersions(a, b) === 0;
}

function satisfies(version: string, constraint: VersionConstraint): boolean | undefined {
  const order = compareVersions(version, constraint.version);
  if (order === undefined) return undefined;
  switch (constraint.comparator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
  }
}

const COMPARATOR = /^(>=|<=|!=|<|>|=)?\s*(.+)$/;

/** A vers range (https://github.com/package-url/purl-spec, VERS.rst): `vers:<scheme>/<constraint>|<constraint>…`. */
function parseVers(text: string): VersionRange | undefined {
  const match = /^vers:([a-z0-9.+-]+)\/(.+)$/i.exec(text.trim());
  if (!match) return undefined;
  const body = match[2]!.trim();
  if (body === '*') return { kind: 'any' };
  const constraints: VersionConstraint[] = [];
  for (const part of body.split('|')) {
    const constraint = COMPARATOR.exec(part.trim());
    if (!constraint) return undefined;
    let version: string;
    try {
      version = decodeURIComponent(constraint[2]!.trim());
    } catch {
      return undefined;
    }
    if (!version || version === '*') return undefined;
    constraints.push({ comparator: (constraint[1] as Comparator | undefined) ?? '=', version });
  }
  return { kind: 'constraints', constraints, vers: true };
}

const VERSION_TOKEN = String.raw`v?\s?\d[\w.+~-]*`;

/** Ranges in words, as advisories written before vers spell them. Undefined when any part is not understood. */
function parseWords(text: string): VersionRange | undefined {
  let rest = ` ${text.toLowerCase().replace(/[,;]|\band\b|\bup to and including\b/g, (word) => (word.startsWith('up') ? ' <= ' : ' '))} `;
  if (/^\s*(?:all(?:\s+versions?)?|any(?:\s+versions?)?|\*)\s*$/.test(rest)) return { kind: 'any' };
  rest = rest.replace(/\b(?:all\s+)?(?:versions?|firmware|fw|releases?)\b/g, ' ');
  const constraints: VersionConstraint[] = [];
  const take = (pattern: RegExp, build: (...versions: string[]) => VersionConstraint[]) => {
    rest = rest.replace(pattern, (_match, ...groups: unknown[]) => {
      constraints.push(...build(...groups.filter((group): group is string => typeof group === 'string')));
      return ' ';
    });
  };
  const v = VERSION_TOKEN;
  take(new RegExp(String.raw`\bfrom\s+(${v})\s+(?:to|through|until)\s+(${v})`, 'g'), (low, high) => [
    { comparator: '>=', version: low! },
    { comparator: '<=', version: high! },
  ]);
  take(new RegExp(String.raw`(?:^|\s)(${v})\s+(?:-|–|to|through)\s+(${v})(?=\s|$)`, 'g'), (low, high) => [
    { comparator: '>=', version: low! },
    { comparator: '<=', version: high! },
  ]);
  take(new RegExp(String.raw`\b(?:prior\s+to|before|earlier\s+than|older\s+than|below|lower\s+than|less\s+than)\s+(${v})`, 'g'), (version) => [{ comparator: '<', version: version! }]);
  take(new RegExp(String.raw`\b(?:up\s+to|through|until)\s+(${v})`, 'g'), (version) => [{ comparator: '<=', version: version! }]);
  take(new RegExp(String.raw`(?:^|\s)(${v})\s+(?:or|and)?\s*(?:earlier|older|prior|before|below|lower)\b`, 'g'), (version) => [{ comparator: '<=', version: version! }]);
  take(new RegExp(String.raw`(?:^|\s)(${v})\s+(?:or|and)?\s*(?:later|newer|above|higher|greater)\b`, 'g'), (version) => [{ comparator: '>=', version: version! }]);
  take(new RegExp(String.raw`(>=|<=|!=|<|>|=)\s*(${v})`, 'g'), (comparator, version) => [{ comparator: comparator as Comparator, version: version! }]);
  if (rest.trim() !== '' || constraints.length === 0) return undefined;
  return { kind: 'constraints', constraints: constraints.map((entry) => ({ ...entry, version: normaliseVersion(entry.version) })), vers: false };
}

/** Reads a product_version_range; undefined when it is neither a vers range nor a range in words this reader knows. */
export function parseVersionRange(text: string): VersionRange | undefined {
  return text.trim().toLowerCase().startsWith('vers:') ? parseVers(text) : parseWords(text);
}

/**
 * Whether the version lies in the range, following the containment rules of vers: equal to an "=" constraint is in,
 * equal to a "!=" one is out, else it must lie in one of the intervals the sorted "<", "<=", ">", ">=" constraints
 * make. Words are read the same way ("prior to 2.5" is "<2.5"). Undefined when a version cannot be ordered.
 */
export function inRange(version: string, range: VersionRange): boolean | undefined {
  if (range.kind === 'any') return true;
  const { constraints } = range;
  for (const constraint of constraints.filter((entry) => entry.comparator === '=')) if (satisfies(version, constraint)) return true;
  for (const constraint of constraints.filter((entry) => entry.comparator === '!=')) if (satisfies(version, constraint) === false) return false;
  const bounds = constraints.filter((entry) => entry.comparator !== '=' && entry.comparator !== '!=');
  if (bounds.length === 0) return constraints.some((entry) => entry.comparator === '!=');
  const sorted = [...bounds].sort((a, b) => compareVersions(a.version, b.version) ?? 0);
  const upper = (entry: VersionConstraint) => entry.comparator === '<' || entry.comparator === '<=';
  let undetermined = false;
  const check = (...parts: VersionConstraint[]) => {
    const results = parts.map((part) => satisfies(version, part));
    if (results.some((result) => result === undefined)) undetermined = true;
    return results.every((result) => result === true);
  };
  if (upper(sorted[0]!) && check(sorted[0]!)) return true;
  if (!upper(sorted.at(-1)!) && check(sorted.at(-1)!)) return true;
  for (let index = 0; index + 1 < sorted.length; index++) {
    const current = sorted[index]!;
    const next = sorted[index + 1]!;
    if (!upper(current) && upper(next) && check(current, next)) return true;
  }
  return undetermined ? undefined : false;
}

/** A range for the report: "vers:generic/>=2.0.0|<2.5.0" stays as written, words are shown read (">= 2.0, <= 2.4"). */
export function describeRange(range: VersionRange): string {
  if (range.kind === 'any') return 'all versions';
  return range.constraints.map((entry) => `${entry.comparator}${entry.version}`).join(', ');
}
