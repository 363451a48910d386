#!/usr/bin/env node
// Runs the compiled harness (dist/, built by `npm run build`, by `npm ci` in a clone and before `npm pack`).
// IEC62443_FROM_SOURCES=1 runs the TypeScript sources through tsx instead (a clone with its dev dependencies): the
// tests and the simulator containers do, so they never run a stale build.
import { existsSync } from 'node:fs';
import module from 'node:module';

// `iec62443-harness catalog | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const compiled = new URL('../dist/harness/cli/main.js', import.meta.url);
// Node 22.1 and later keep V8's compiled code of the harness and its libraries on disk between runs, as npm does;
// Node 20 has no such cache and starts as before.
if (process.env.IEC62443_FROM_SOURCES !== '1') module.enableCompileCache?.();
let entry = compiled.href;
if (process.env.IEC62443_FROM_SOURCES === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../harness/cli/main.ts', import.meta.url).href;
} else if (!existsSync(compiled)) {
  process.stderr.write('error: the harness is not built (no dist/): run `npm run build` (npm ci does it), or set IEC62443_FROM_SOURCES=1\n');
  process.exit(3);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
