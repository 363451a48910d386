/** The parts of Allure's result file format (allure-js-commons' TestResult model) that the harness writes. */
export interface AllureLabel {
  name: string;
  value: string;
}
export interface AllureParameter {
  name: string;
  value: string;
  excluded?: boolean;
}
export interface AllureAttachment {
  name: string;
  source: string;
  type: string;
}
export type AllureStatus = 'passed' | 'failed' | 'broken' | 'skipped';
export interface AllureTestResult {
  uuid: string;
  name: string;
  fullName: string;
  testCaseId: string;
  historyId: string;
  status: AllureStatus;
  statusDetails: { message?: string };
  stage: 'finished';
  description: string;
  start: number;
  stop: number;
  labels: AllureLabel[];
  links: Array<{ name?: string; url: string; type?: string }>;
  parameters: AllureParameter[];
  steps: [];
  attachments: AllureAttachment[];
  titlePath?: string[];
}

export type AllureSeverity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';
