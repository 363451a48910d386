export const EXIT = { ok: 0, failed: 1, usage: 2, harness: 3, interrupted: 130 } as const;

/** Bad flags or profile: exit 2, and nothing has been written yet. */
export class UsageError extends Error {}
