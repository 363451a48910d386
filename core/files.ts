import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const PARTIAL_MARK = '.partial-';

/** A file writeAtomically has not finished (a run writing beside this one, or one that crashed): not evidence. */
export const isPartialWrite = (path: string): boolean => path.includes(PARTIAL_MARK);

/**
 * Whole or not at all: the content goes to a temporary name in the same folder and is renamed over `path`, so that a
 * reader (another run of a fleet, a CI step, a crash) never sees half a file. The folder is made when missing.
 */
export function writeAtomically(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const temporary = `${path}${PARTIAL_MARK}${process.pid}`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}
