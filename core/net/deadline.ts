import { abortReason } from './abort.js';

/**
 * Time limits for network steps in adapters that have no timeout of their own. A step ends with its value, or with a
 * rejection when its time is up or the signal aborts; `cancel` then closes whatever socket the step holds, so nothing
 * keeps waiting behind the rejection.
 */

export class StepTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepTimeoutError';
  }
}

/**
 * Runs `start(settle)` and resolves or rejects with the first settlement: the step's own, the timeout's (a
 * StepTimeoutError naming `label`) or the signal's. `cancel` runs once afterwards in every case.
 */
export function settleWithin<T>(
  label: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  start: (settle: { resolve(value: T): void; reject(error: Error): void }) => void,
  cancel: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      try {
        cancel();
      } finally {
        settle();
      }
    };
    const onAbort = () => finish(() => reject(abortReason(signal!)));
    const timer = setTimeout(() => finish(() => reject(new StepTimeoutError(`${label}: no answer within ${timeoutMs} ms`))), timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      start({ resolve: (value) => finish(() => resolve(value)), reject: (error) => finish(() => reject(error)) });
    } catch (error) {
      finish(() => reject(error instanceof Error ? error : new Error(String(error))));
    }
  });
}
