import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyEnvInfo, type Writer } from 'allure-js-commons/sdk/reporter';

/**
 * Allure results as plain files. allure-js-commons' own FileSystemWriter writes each file to a temporary name,
 * fsyncs it and renames it, so that a live Allure server never reads half a file; the harness writes its results
 * first and renders them only after the run, so the fsync per result and attachment (about one in ten of a short
 * run's CPU time, more on a busy disk) buys nothing here.
 */
export class PlainAllureWriter implements Writer {
  private made = false;
  constructor(private readonly resultsDir: string) {}

  private path(name: string): string {
    if (!this.made) {
      mkdirSync(this.resultsDir, { recursive: true });
      this.made = true;
    }
    return join(this.resultsDir, name);
  }

  writeResult(result: { uuid: string }): void {
    writeFileSync(this.path(`${result.uuid}-result.json`), JSON.stringify(result));
  }
  writeGroup(result: { uuid: string }): void {
    writeFileSync(this.path(`${result.uuid}-container.json`), JSON.stringify(result));
  }
  writeAttachment(distFileName: string, content: Buffer): void {
    writeFileSync(this.path(distFileName), content);
  }
  writeAttachmentFromPath(distFileName: string, from: string): void {
    copyFileSync(from, this.path(distFileName));
  }
  writeEnvironmentInfo(info: Record<string, string | undefined>): void {
    writeFileSync(this.path('environment.properties'), stringifyEnvInfo(info));
  }
  writeCategoriesDefinitions(categories: unknown[]): void {
    writeFileSync(this.path('categories.json'), JSON.stringify(categories));
  }
  writeGlobals(distFileName: string, info: unknown): void {
    writeFileSync(this.path(distFileName), JSON.stringify(info));
  }
}
