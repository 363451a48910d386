import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where each check's test sits in the Allure 3 report: the single-file report routes a test as `index.html#/<id>`,
 * where the id is the md5 of the result's uuid in allure-results. Keyed by check id and interface name, the labels the
 * runner puts on every test (reports/allure/mapping.ts).
 */
export const allureKey = (checkId: string, interfaceName: string | undefined) => `${checkId}\u0000${interfaceName ?? ''}`;

export function allureTestIds(resultsDir: string): Map<string, string> {
  const ids = new Map<string, string>();
  let files: string[];
  try {
    files = readdirSync(resultsDir).filter((file) => file.endsWith('-result.json'));
  } catch {
    return ids;
  }
  for (const file of files) {
    try {
      const result = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as { uuid?: string; labels?: Array<{ name: string; value: string }> };
      const label = (name: string) => result.labels?.find((entry) => entry.name === name)?.value;
      const checkId = label('checkId');
      if (!result.uuid || !checkId) continue;
      ids.set(allureKey(checkId, label('interface')), createHash('md5').update(result.uuid).digest('hex'));
    } catch {
      // A result file being written or broken only costs its link.
    }
  }
  return ids;
}

/** The link from compliance.html to one test of the Allure report. */
export const allureTestHref = (reportHref: string, testId: string) => `${reportHref}#/${testId}`;
