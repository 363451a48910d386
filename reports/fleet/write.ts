import { join, resolve } from 'node:path';
import { writeAtomically } from '../../core/files.js';
import { buildFleet, type FleetReport } from './aggregate.js';
import { collectRuns } from './collect.js';
import { fleetHtml } from './html.js';
import { fleetMarkdown } from './markdown.js';

export const FLEET_FILES = ['fleet.json', 'fleet.md', 'fleet.html'] as const;

export interface FleetCommandOptions {
  /** Output folders of runs, shards or a nightly history; every compliance.json below them is read. */
  inputs: string[];
  outDir: string;
  asOf?: Date;
}

/** Reads every run below the inputs and writes fleet.json, fleet.md and fleet.html into outDir. */
export function writeFleetReports(options: FleetCommandOptions): { report: FleetReport; files: string[] } {
  const outDir = resolve(options.outDir);
  const report = buildFleet(collectRuns(options.inputs.map((input) => resolve(input))), { relativeTo: outDir, ...(options.asOf ? { asOf: options.asOf } : {}) });
  const files = FLEET_FILES.map((name) => join(outDir, name));
  writeAtomically(files[0], `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(files[1], fleetMarkdown(report));
  writeAtomically(files[2], fleetHtml(report));
  return { report, files };
}
