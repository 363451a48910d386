#!/usr/bin/env node
// The harness is written in TypeScript and runs through tsx, so users need no build step.
import { register } from 'tsx/esm/api';

// `iec62443-harness catalog | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
