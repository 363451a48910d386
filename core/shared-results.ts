/**
 * Results the checks of one run share instead of making them again. A connect scan of every TCP port of the host is
 * 65,535 connections and over a second of CPU, and the embedded default has five checks that each need the same one
 * (the CR 7.7 scan and the plain-text twin surveys of each TLS interface); eight targets at once on two cores pay
 * that five times each. Likewise the OPC UA endpoint list, which some 25 checks read. The runner drops every entry
 * after a disruptive check has run, since a storm or a flood may have changed what the device serves; a check run on
 * its own gets a store of its own.
 */
export class SharedResults {
  private readonly entries = new Map<string, { madeAt: number; madeBy: string; value: Promise<unknown> }>();

  /** The result under `key`, made now by `make` when no check of the run made it yet. */
  async get<T>(key: string, madeBy: string, make: () => Promise<T>): Promise<{ value: T; reusedFrom?: { madeBy: string; madeAt: number } }> {
    const existing = this.entries.get(key);
    if (existing) return { value: (await existing.value) as T, reusedFrom: { madeBy: existing.madeBy, madeAt: existing.madeAt } };
    const entry = { madeAt: Date.now(), madeBy, value: make() as Promise<unknown> };
    this.entries.set(key, entry);
    try {
      return { value: (await entry.value) as T };
    } catch (error) {
      // A failed or aborted attempt is not a result: the next check makes its own.
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
