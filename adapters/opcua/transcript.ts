/** A step transcript kept as evidence: what was sent, what came back, and when. Passwords never enter it. */
export interface TranscriptEntry {
  /** Milliseconds since the transcript started. */
  atMs: number;
  action: string;
  outcome: string;
}

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  private readonly started = Date.now();

  constructor(private readonly sink?: (line: string) => void) {}

  record(action: string, outcome: string): void {
    const entry = { atMs: Date.now() - this.started, action, outcome };
    this.entries.push(entry);
    this.sink?.(`+${entry.atMs}ms ${action} -> ${outcome}`);
  }

  toText(): string {
    return this.entries.map((entry) => `+${entry.atMs}ms ${entry.action} -> ${entry.outcome}`).join('\n');
  }
}
