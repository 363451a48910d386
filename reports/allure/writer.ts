import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyEnvInfo, type Writer } from 'allure-js-commons/sdk/reporter';

export interface ResultTiming {
  start: number;
  stop: number;
  thread: string;
}

/**
 * Allure results as plain files. allure-js-commons' own FileSystemWriter writes each file to a temporary name,
 * fsyncs it and renames it, so that a live Allure server never reads half a file; the harness writes its results
 * first and renders them only after the run, so the fsync per result and attachment (about one in ten of a short
 * run's CPU time, more on a busy disk) buys nothing here.
 */
export class PlainAllureWriter implements Writer {
  private made = false;
  private nextTiming?: ResultTiming;
  constructor(private readonly resultsDir: string) {}

  /**
   * The next test result written ran from start to stop on this thread. The harness executes checks ahead of the mocha
   * test that records them, several at once, so the reporter's own times are those of the recording; allure-mocha
   * writes a result as its test ends, before the next one begins, so the timing set by a test reaches its own result.
   */
  timeNextResult(timing: ResultTiming): void {
    this.nextTiming = timing;
  }

  private path(name: string): string {
    if (!this.made) {
      mkdirSync(this.resultsDir, { recursive: true });
      this.made = true;
    }
    return join(this.resultsDir, name);
  }

  writeResult(result: { uuid: string; start?: number; stop?: number; labels?: Array<{ name: string; value: string }> }): void {
    const timing = this.nextTiming;
    this.nextTiming = undefined;
    const timed = timing
      ? {
          ...result,
          start: timing.start,
          stop: timing.stop,
          // Allure's timeline draws one row per host and thread: here, one per interface.
          labels: [...(result.labels ?? []).filter((label) => label.name !== 'thread'), { name: 'thread', value: timing.thread }],
        }
      : result;
    writeFileSync(this.path(`${result.uuid}-result.json`), JSON.stringify(timed));
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
