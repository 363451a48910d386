import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ComplianceDocument } from '../../core/verdict/model.js';

/** One compliance.json found below the folders given to `fleet`. */
export interface FleetRun {
  file: string;
  document: ComplianceDocument;
}

export interface CollectedRuns {
  runs: FleetRun[];
  /** Files named compliance.json that could not be used, with the reason; the fleet report lists them. */
  skipped: Array<{ file: string; reason: string }>;
  /** The same run reached twice (overlapping folders, or a copied run folder). */
  duplicates: number;
}

export const COMPLIANCE_FILE = 'compliance.json';

/** Every compliance.json at or below each folder; symbolic links are not followed, so a link cycle cannot loop. */
export function findComplianceFiles(folders: string[]): string[] {
  const found = new Set<string>();
  const visit = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        // An Allure report or results folder holds thousands of files and never a compliance.json.
        if (entry.name === 'node_modules' || entry.name === 'allure-results' || entry.name === 'allure-report') continue;
        visit(path);
      } else if (entry.isFile() && entry.name === COMPLIANCE_FILE) {
        found.add(realpathSync(path));
      }
    }
  };
  for (const folder of folders) {
    if (statSync(folder, { throwIfNoEntry: false })?.isFile()) {
      found.add(realpathSync(folder));
      continue;
    }
    visit(folder);
  }
  return [...found].sort();
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a parsed file is not a compliance document the fleet view can use; undefined when it is. */
export function complianceProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  const component = value.component;
  if (!isObject(component) || typeof component.name !== 'string' || typeof component.host !== 'string') return 'no component name and host';
  if (typeof value.targetSL !== 'number') return 'no targetSL';
  for (const field of ['startedAt', 'finishedAt'] as const) {
    if (typeof value[field] !== 'string' || Number.isNaN(Date.parse(value[field] as string))) return `${field} is not a timestamp`;
  }
  if (!Array.isArray(value.requirements) || !value.requirements.every((requirement) => isObject(requirement) && typeof requirement.id === 'string' && typeof requirement.verdict === 'string')) {
    return 'requirements are not a list of {id, verdict}';
  }
  if (!isObject(value.summary) || !isObject(value.summary.byFR)) return 'no summary.byFR';
  return undefined;
}

export function loadRuns(files: string[]): CollectedRuns {
  const runs: FleetRun[] = [];
  const skipped: CollectedRuns['skipped'] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      skipped.push({ file, reason: error instanceof SyntaxError ? `not valid JSON: ${error.message}` : `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      continue;
    }
    const problem = complianceProblem(value);
    if (problem) {
      skipped.push({ file, reason: problem });
      continue;
    }
    const document = value as ComplianceDocument;
    const c = document.component;
    const runKey = JSON.stringify([c.vendor ?? '', c.model ?? '', c.name, c.host, document.startedAt, document.finishedAt]);
    if (seen.has(runKey)) {
      duplicates++;
      continue;
    }
    seen.add(runKey);
    runs.push({ file, document });
  }
  return { runs, skipped, duplicates };
}

export function collectRuns(folders: string[]): CollectedRuns {
  return loadRuns(findComplianceFiles(folders));
}
