import { EnipConnection, EnipError, type EnipOptions, type EnipTarget } from './session.js';
import { encapStatusName } from './wire.js';

export interface StormStats {
  registered: number;
  refused: Record<string, number>;
}

/**
 * One operation of a RegisterSession storm: a new connection, RegisterSession, UnRegisterSession and close. A refusal
 * by status (insufficient memory at the session cap) is counted, not thrown: refusing is what a capped device should
 * do; connections that fail or time out are the load engine's errors.
 */
export function registerSessionStorm(target: EnipTarget, options: Omit<EnipOptions, 'signal'>): { worker: (signal: AbortSignal) => Promise<void>; stats: StormStats } {
  const stats: StormStats = { registered: 0, refused: {} };
  const worker = async (signal: AbortSignal) => {
    let connection: EnipConnection | undefined;
    try {
      connection = await EnipConnection.open(target, { ...options, signal });
      await connection.registerSession({ ...options, signal });
      stats.registered++;
      await connection.close();
    } catch (error) {
      // An abort ends the operation without counting it: the storm is over, not the device.
      if (signal.aborted) return;
      if (error instanceof EnipError && error.reason === 'status' && error.status !== undefined) {
        const key = encapStatusName(error.status);
        stats.refused[key] = (stats.refused[key] ?? 0) + 1;
        return;
      }
      throw new Error(error instanceof EnipError ? (error.reason === 'timeout' ? 'RegisterSession not answered in time' : `RegisterSession: ${error.reason}`) : (error as Error).message.replace(/ \d+\.\d+\.\d+\.\d+:\d+/, ''));
    } finally {
      connection?.destroy();
    }
  };
  return { worker, stats };
}
