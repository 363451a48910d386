/**
 * How guessable a device's session ids are, from a sample of them. Each id is read as bits in the alphabet it uses
 * (hex, base64/base64url, decimal, else bytes), the bits are lined up by position, and each position contributes its
 * binary entropy over the sample. A counter or a clock shows up as a few varying low bits; random ids as about one
 * bit per position. An estimate from a sample can only overstate the randomness of a clever generator (a hash of a
 * counter looks random), never understate it, so a low figure is a finding and a high one is the best the outside can see.
 */

export type IdAlphabet = 'decimal' | 'hex' | 'base64' | 'bytes';

export interface EntropyEstimate {
  samples: number;
  alphabet: IdAlphabet;
  /** Characters per id (the shortest, when lengths differ). */
  length: number;
  /** Bits per id in that alphabet. */
  bitsPerId: number;
  /** Sum over bit positions of the binary entropy of that position across the sample. */
  estimatedBits: number;
  duplicates: number;
  /** When the ids read as numbers that step by small amounts: the steps seen. */
  sequentialSteps?: string[];
}

const BITS_PER_CHAR: Record<IdAlphabet, number> = { decimal: Math.log2(10), hex: 4, base64: 6, bytes: 8 };
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alphabetOf(ids: readonly string[]): IdAlphabet {
  if (ids.every((id) => /^\d+$/.test(id))) return 'decimal';
  if (ids.every((id) => /^[0-9a-f]+$/.test(id)) || ids.every((id) => /^[0-9A-F]+$/.test(id))) return 'hex';
  if (ids.every((id) => /^[A-Za-z0-9+/_-]+=*$/.test(id))) return 'base64';
  return 'bytes';
}

function bitsOf(id: string, alphabet: IdAlphabet): number[] {
  const bits: number[] = [];
  const push = (value: number, width: number) => {
    for (let bit = width - 1; bit >= 0; bit--) bits.push((value >> bit) & 1);
  };
  switch (alphabet) {
    case 'hex':
      for (const char of id) push(parseInt(char, 16), 4);
      break;
    case 'base64':
      for (const char of id.replace(/=+$/, '')) {
        const normal = char === '-' ? '+' : char === '_' ? '/' : char;
        push(normal === '+' ? 62 : normal === '/' ? 63 : BASE64.indexOf(normal), 6);
      }
      break;
    case 'decimal':
      // Decimal digits as a big number, so a counter's carry is seen as a number, not as per-digit noise.
      for (const char of BigInt(id).toString(2)) bits.push(char === '1' ? 1 : 0);
      break;
    case 'bytes':
      for (const byte of Buffer.from(id, 'utf8')) push(byte, 8);
      break;
  }
  return bits;
}

function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

function sequential(ids: readonly string[], alphabet: IdAlphabet): string[] | undefined {
  if (alphabet !== 'decimal' && alphabet !== 'hex') return undefined;
  const numbers = ids.map((id) => (alphabet === 'hex' ? BigInt(`0x${id}`) : BigInt(id)));
  const steps = numbers.slice(1).map((value, index) => value - numbers[index]!);
  // Ids issued one after the other by a counter or a clock differ by small, mostly positive amounts.
  const small = steps.filter((step) => (step < 0n ? -step : step) < 1n << 20n).length;
  return steps.length > 0 && small >= Math.ceil(steps.length * 0.8) ? steps.map(String) : undefined;
}

export function estimateEntropy(ids: readonly string[]): EntropyEstimate {
  if (ids.length < 2) throw new Error('at least two session ids are needed to estimate their entropy');
  const alphabet = alphabetOf(ids);
  const rows = ids.map((id) => bitsOf(id, alphabet));
  // Right-align numbers (a counter grows at the left), left-align strings.
  const width = Math.min(...rows.map((row) => row.length));
  const aligned = rows.map((row) => (alphabet === 'decimal' ? row.slice(row.length - width) : row.slice(0, width)));
  let estimatedBits = 0;
  for (let position = 0; position < width; position++) {
    const ones = aligned.reduce((sum, row) => sum + row[position]!, 0);
    estimatedBits += binaryEntropy(ones / aligned.length);
  }
  const length = Math.min(...ids.map((id) => id.length));
  const steps = sequential(ids, alphabet);
  return {
    samples: ids.length,
    alphabet,
    length,
    bitsPerId: Math.round(length * BITS_PER_CHAR[alphabet]),
    estimatedBits: Math.round(estimatedBits * 10) / 10,
    duplicates: ids.length - new Set(ids).size,
    ...(steps ? { sequentialSteps: steps } : {}),
  };
}
