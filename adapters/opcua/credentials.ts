import { readFileSync } from 'node:fs';
import type { OpcuaChannel } from './client.js';
import type { SessionAttempt } from './types.js';

export interface CredentialPair {
  username: string;
  password: string;
}

/** A credential list kept as data under suites/data/ ({ pairs: [{username, password}] }). */
export function loadCredentialList(file: URL | string): CredentialPair[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pairs?: CredentialPair[] };
  if (!Array.isArray(parsed.pairs) || parsed.pairs.some((pair) => typeof pair.username !== 'string' || typeof pair.password !== 'string')) {
    throw new Error(`${String(file)}: expected { pairs: [{ username, password }] }`);
  }
  return parsed.pairs;
}

export interface CredentialTrial {
  username: string;
  /** The password is never kept; only whether it was empty. */
  emptyPassword: boolean;
  attempt: SessionAttempt;
}

/** Tries each pair as a UserName identity on one open channel; an accepted session is closed at once. */
export async function tryCredentials(channel: OpcuaChannel, pairs: CredentialPair[], throwIfAborted: () => void): Promise<CredentialTrial[]> {
  const trials: CredentialTrial[] = [];
  for (const pair of pairs) {
    throwIfAborted();
    const { attempt, session } = await channel.attemptSession({ kind: 'username', username: pair.username, password: pair.password });
    await session?.close();
    trials.push({ username: pair.username, emptyPassword: pair.password === '', attempt });
  }
  return trials;
}
