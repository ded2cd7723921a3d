/**
 * Types of the two @secvisogram/csaf-validator-lib modules infusim uses (the package ships
 * JavaScript with JSDoc only). From lib/validate.js and the README's "Interfaces".
 */
declare module '@secvisogram/csaf-validator-lib/validate.js' {
  export interface ValidationMessage {
    message: string;
    instancePath: string;
  }
  /** One test's result, named by the test (lib/validate.js). */
  export interface TestResult {
    name: string;
    isValid: boolean;
    warnings: ValidationMessage[];
    errors: ValidationMessage[];
    infos: ValidationMessage[];
  }
  export interface ValidationResult {
    isValid: boolean;
    tests: TestResult[];
  }
  export type DocumentTest = (doc: unknown) => unknown;
  /** Run the given tests on a document (the caller makes sure they are the library's own). */
  export default function validate(tests: readonly DocumentTest[], doc: unknown): Promise<ValidationResult>;
}

declare module '@secvisogram/csaf-validator-lib/basic.js' {
  import type { DocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
  /** The strict CSAF 2.0 schema test and the mandatory tests (OASIS CSAF 2.0 §6.1). */
  const tests: Record<string, DocumentTest>;
  export = tests;
}
