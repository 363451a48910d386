import { join } from 'node:path';
import { writeAtomically } from '../core/files.js';
import type { ComplianceDocument } from '../core/verdict/model.js';
import { complianceJUnit } from './compliance/junit.js';
import { complianceMarkdown } from './compliance/markdown.js';
import { complianceHtml } from './compliance/html.js';
import { complianceSarif } from './compliance/sarif.js';
import { generateAllureReport } from './allure/generate.js';
import { writeVulnerabilityResults } from './allure/vulnerabilities.js';

export interface WrittenReports {
  files: string[];
  allureIndex?: string;
  allureError?: string;
}

export interface WriteOptions {
  outDir: string;
  allureResultsDir: string;
  engine: 'allure3' | 'allure2' | 'none';
  reportName: string;
  /** Allure history (JSON lines) that accumulates across runs for trend charts. */
  historyPath?: string;
  /** How SARIF names the device profile the findings belong to. */
  profileUri?: string;
  /** The profile line that declares each interface, for SARIF locations. */
  interfaceLines?: Record<string, number>;
  signal?: AbortSignal;
}

/** Every report of a finished campaign: compliance.json/.md/.html, junit.xml, results.sarif and the rendered Allure report. */
export async function writeReports(document: ComplianceDocument, options: WriteOptions): Promise<WrittenReports> {
  const files: string[] = [];
  const put = (name: string, content: string) => {
    writeAtomically(join(options.outDir, name), content);
    files.push(join(options.outDir, name));
  };
  put('compliance.json', `${JSON.stringify(document, null, 2)}\n`);
  put('compliance.md', complianceMarkdown(document));
  put('junit.xml', complianceJUnit(document));
  put('results.sarif', complianceSarif(document, { ...(options.profileUri ? { profileUri: options.profileUri } : {}), ...(options.interfaceLines ? { interfaceLines: options.interfaceLines } : {}) }));
  writeVulnerabilityResults(document, options.allureResultsDir);
  let allureIndex: string | undefined;
  let allureError: string | undefined;
  if (options.engine !== 'none') {
    try {
      allureIndex = await generateAllureReport({
        resultsDir: options.allureResultsDir,
        outputDir: join(options.outDir, 'allure-report'),
        reportName: options.reportName,
        engine: options.engine,
        ...(options.historyPath ? { historyPath: options.historyPath } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      files.push(allureIndex);
    } catch (error) {
      allureError = (error as Error).message;
    }
  }
  put('compliance.html', complianceHtml(document, allureIndex ? { allureHref: 'allure-report/index.html' } : {}));
  return { files, ...(allureIndex ? { allureIndex } : {}), ...(allureError ? { allureError } : {}) };
}
