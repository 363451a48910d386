/** Raised when a network step got no answer in time or was aborted; it is never taken for a refusal by the device. */
export class OpcuaTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpcuaTimeoutError';
  }
}

/** Raised when the device cannot be reached at all (closed port, reset, gone mid-step). */
export class OpcuaUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpcuaUnreachableError';
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new OpcuaTimeoutError(`aborted${reason ? `: ${String(reason)}` : ''}`);
}

/**
 * Settles with the step, or rejects when timeoutMs passes or the signal aborts; cancel() runs then, so that the
 * socket behind the step is closed and nothing keeps waiting.
 */
export function withDeadline<T>(label: string, step: () => Promise<T>, timeoutMs: number, signal: AbortSignal | undefined, cancel: () => void): Promise<T> {
  if (signal?.aborted) {
    cancel();
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () =>
      finish(() => {
        cancel();
        reject(abortReason(signal!));
      });
    const timer = setTimeout(
      () =>
        finish(() => {
          cancel();
          reject(new OpcuaTimeoutError(`${label}: no answer within ${timeoutMs} ms`));
        }),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    step().then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

export { pause } from '../../core/net/abort.js';
