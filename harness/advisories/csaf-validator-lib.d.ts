// The package ships JavaScript with JSDoc types only; these are the parts harness/advisories/load.ts uses.
declare module '@secvisogram/csaf-validator-lib/validate.js' {
  interface TestResult {
    name: string;
    isValid: boolean;
    errors: Array<{ message: string; instancePath: string }>;
    warnings: Array<{ message: string; instancePath: string }>;
    infos: Array<{ message: string; instancePath: string }>;
  }
  export default function validate(tests: Array<(document: unknown) => unknown>, document: unknown): Promise<{ isValid: boolean; tests: TestResult[] }>;
}
declare module '@secvisogram/csaf-validator-lib/schemaTests.js' {
  export const csaf_2_0: (document: unknown) => unknown;
  export const csaf_2_0_strict: (document: unknown) => unknown;
}
declare module '@secvisogram/csaf-validator-lib/mandatoryTests.js' {}
