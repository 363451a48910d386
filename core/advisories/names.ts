/**
 * Vendor and product names as devices report them and as advisories write them: "Example Automation GmbH" and
 * "EXAMPLE AUTOMATION", "TPLC-100" and "tplc 100". Each comparison says which rule made two names the same, so the
 * report can show why a product was taken for the component.
 */

/** Legal forms that vendors add or leave out ("Siemens AG", "Example Automation GmbH & Co. KG"). */
const LEGAL_FORMS = new Set([
  'ab', 'ag', 'as', 'asa', 'bv', 'co', 'company', 'corp', 'corporation', 'gmbh', 'inc', 'incorporated', 'kg', 'kk', 'limited',
  'llc', 'ltd', 'nv', 'oy', 'oyj', 'plc', 'pte', 'pty', 'sa', 'sas', 'se', 'spa', 'srl', 'ltda', 'mbh',
]);

/** Lower case, accents and punctuation gone, words split: "Schneider-Électric, Inc." → ["schneider", "electric", "inc"]. */
export function nameTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function vendorTokens(text: string): string[] {
  const tokens = nameTokens(text);
  while (tokens.length > 1 && (LEGAL_FORMS.has(tokens.at(-1)!) || tokens.at(-1) === 'and')) tokens.pop();
  return tokens;
}

const startsWith = (long: string[], short: string[]) => short.length > 0 && short.length <= long.length && short.every((token, index) => long[index] === token);

function containsRun(long: string[], short: string[]): boolean {
  if (short.length === 0 || short.length > long.length) return false;
  for (let start = 0; start + short.length <= long.length; start++) if (short.every((token, index) => long[start + index] === token)) return true;
  return false;
}

/** How two names were found to be the same; undefined when they are not. */
export type NameRule = string;

/** Vendors are the same when equal without case, punctuation and legal form, or when one name begins with the other. */
export function sameVendor(reported: string, advisory: string): NameRule | undefined {
  const a = vendorTokens(reported);
  const b = vendorTokens(advisory);
  if (a.length === 0 || b.length === 0) return undefined;
  if (a.join(' ') === b.join(' ')) return 'equal without case, punctuation and legal form';
  if (a.join('') === b.join('')) return 'equal without spaces and punctuation';
  if (startsWith(a, b) || startsWith(b, a)) return 'one name begins with the other';
  return undefined;
}

/**
 * Products are the same when their names are equal without case and punctuation, or when one contains the other as
 * whole words. Containment needs a distinctive shorter name (a model number with a digit, or two words or more), so
 * "PLC" alone never matches every product with PLC in its name.
 */
export function sameProduct(reported: string, advisory: string): NameRule | undefined {
  const a = nameTokens(reported);
  const b = nameTokens(advisory);
  if (a.length === 0 || b.length === 0) return undefined;
  if (a.join(' ') === b.join(' ')) return 'equal without case and punctuation';
  if (a.join('') === b.join('')) return 'equal without spaces and punctuation';
  const distinctive = (tokens: string[]) => tokens.length >= 2 || /\d/.test(tokens[0]!);
  if (distinctive(a) && containsRun(b, a)) return 'the advisory name contains the reported one as whole words';
  if (distinctive(b) && containsRun(a, b)) return 'the reported name contains the advisory one as whole words';
  return undefined;
}
