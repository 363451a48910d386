import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CsafDocument, LoadedAdvisory } from '../../core/advisories/csaf.js';
import type { AdvisoryProblem } from '../../core/verdict/model.js';

/**
 * Reads a folder of CSAF 2.0 advisories the user downloaded beforehand (the run itself never goes online) and
 * validates each with BSI's csaf-validator-lib (the validator behind Secvisogram): the CSAF 2.0 JSON schema and the
 * mandatory tests of section 6.1, all offline. What cannot be used is reported, never fatal.
 */

export const VALIDATION =
  '@secvisogram/csaf-validator-lib: CSAF 2.0 JSON schema (a document that fails it is skipped) and the mandatory tests of section 6.1 plus the strict schema (a document that fails only these is used and listed with the findings)';

export interface LoadedAdvisories {
  folder: string;
  validation: string;
  advisories: LoadedAdvisory[];
  problems: AdvisoryProblem[];
}

/** An advisories folder that cannot be read at all: a usage error, raised before anything starts. */
export class AdvisoriesFolderError extends Error {}

/** Every *.json below the folder (CSAF providers lay out <year>/<file>.json); symbolic links to folders are not followed. */
function jsonFiles(folder: string): string[] {
  const files: string[] = [];
  const visit = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) visit(path);
      else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.toLowerCase().endsWith('.json')) files.push(path);
    }
  };
  visit(folder);
  return files.sort();
}

/** Throws AdvisoriesFolderError when the path is not a readable folder; the CLI checks this before starting anything. */
export function checkAdvisoriesFolder(folder: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
    if (isFolder) readdirSync(folder);
  } catch (error) {
    throw new AdvisoriesFolderError(`cannot read the advisories folder ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!isFolder) throw new AdvisoriesFolderError(`${folder} is not a folder (give the folder that holds the CSAF JSON files)`);
}

interface ValidatorResult {
  isValid: boolean;
  tests: Array<{ name: string; isValid: boolean; errors: Array<{ message: string; instancePath: string }> }>;
}

type DocumentTest = (document: unknown) => unknown;

/** The validator is loaded once and only when a run has advisories (it takes a second or two to load). */
let validator: Promise<{ validate: (tests: DocumentTest[], document: unknown) => Promise<ValidatorResult>; schema: DocumentTest; further: DocumentTest[] }> | undefined;

function loadValidator() {
  validator ??= (async () => {
    // lib/validate.js runs the tests it is given; validateStrict.js would also load the optional and informative
    // tests (spell checks, URL look-ups), which a run without network neither needs nor may use.
    const [{ default: validate }, schemas, mandatory] = await Promise.all([
      import('@secvisogram/csaf-validator-lib/validate.js'),
      import('@secvisogram/csaf-validator-lib/schemaTests.js'),
      import('@secvisogram/csaf-validator-lib/mandatoryTests.js') as Promise<unknown> as Promise<Record<string, unknown>>,
    ]);
    const tests = Object.entries(mandatory).flatMap(([name, test]) => (name.startsWith('mandatoryTest_') && typeof test === 'function' ? [test as DocumentTest] : []));
    return { validate, schema: schemas.csaf_2_0, further: [schemas.csaf_2_0_strict, ...tests] };
  })();
  return validator;
}

const describeErrors = (tests: ValidatorResult['tests'], limit = 3): string => {
  const errors = tests.flatMap((test) => test.errors.map((error) => `${test.name.replace(/^mandatoryTest_(\d+)_(\d+)_(\d+)(?:_(\d+))?$/, (_m, a, b, c, d) => `mandatory test ${[a, b, c, d].filter(Boolean).join('.')}`)}: ${error.instancePath || '/'} ${error.message}`));
  return errors.slice(0, limit).join('; ') + (errors.length > limit ? `; and ${errors.length - limit} more` : '');
};

/** Reads and validates one file; the document when usable, and a problem when it is not or has findings. */
export async function readAdvisory(path: string, name: string): Promise<{ advisory?: LoadedAdvisory; problem?: AdvisoryProblem }> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const message = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    return { problem: { file: name, kind: 'unreadable', message } };
  }
  // A ROLIE feed of a provider's folder lists advisories; it is not one.
  if ((value as { feed?: unknown } | null)?.feed !== undefined) return {};
  const csafVersion = (value as { document?: { csaf_version?: unknown } } | null)?.document?.csaf_version;
  if (typeof csafVersion !== 'string') return { problem: { file: name, kind: 'invalid', message: 'not a CSAF document (no document.csaf_version)' } };
  if (csafVersion !== '2.0') return { problem: { file: name, kind: 'invalid', message: `CSAF ${csafVersion} is not read yet; only CSAF 2.0 documents are` } };
  const { validate, schema, further } = await loadValidator();
  const schemaResult = await validate([schema], value);
  if (!schemaResult.isValid) return { problem: { file: name, kind: 'invalid', message: `fails the CSAF 2.0 schema: ${describeErrors(schemaResult.tests)}` } };
  const advisory: LoadedAdvisory = { file: name, document: value as CsafDocument };
  const furtherResult = await validate(further, value);
  if (furtherResult.isValid) return { advisory };
  return { advisory, problem: { file: name, kind: 'warning', message: `used, but the validator reports ${describeErrors(furtherResult.tests.filter((test) => !test.isValid))}` } };
}

/** Every advisory of the folder; files that cannot be used are listed as problems, in file order. */
export async function loadAdvisories(folder: string): Promise<LoadedAdvisories> {
  checkAdvisoriesFolder(folder);
  const advisories: LoadedAdvisory[] = [];
  const problems: AdvisoryProblem[] = [];
  for (const path of jsonFiles(folder)) {
    const name = relative(folder, path);
    // Aggregators put index files beside the advisories; they are not advisories and not a problem.
    if (/(^|\/)(provider-metadata|aggregator|service)\.json$/i.test(name)) continue;
    const { advisory, problem } = await readAdvisory(path, name);
    if (advisory) advisories.push(advisory);
    if (problem) problems.push(problem);
  }
  if (advisories.length === 0 && problems.length === 0) problems.push({ file: '.', kind: 'unreadable', message: `the folder holds no CSAF JSON file (*.json)` });
  return { folder, validation: VALIDATION, advisories, problems };
}
