/** Replaces every known secret with a fixed mask before anything is printed or written. */
export const MASK = '********';

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set([...secrets].filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return out;
  }

  content(value: string | Buffer): string | Buffer {
    if (typeof value === 'string') return this.text(value);
    if (this.secrets.every((secret) => !value.includes(secret))) return value;
    let out = value;
    for (const secret of this.secrets) {
      const needle = Buffer.from(secret);
      const parts: Buffer[] = [];
      let from = 0;
      for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, from)) {
        parts.push(out.subarray(from, at), Buffer.from(MASK));
        from = at + needle.length;
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  /** Deep copy of a JSON-like value with every string redacted (keys included). */
  value<T>(value: T): T {
    if (this.empty) return value;
    const walk = (item: unknown): unknown => {
      if (typeof item === 'string') return this.text(item);
      if (Array.isArray(item)) return item.map(walk);
      if (Buffer.isBuffer(item)) return this.content(item);
      if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, inner]) => [this.text(key), walk(inner)]));
      return item;
    };
    return walk(value) as T;
  }
}
