/** The rule registry: the CLI hands these to the engine (the engine never imports a rule). */
import type { Rule } from '../src/engine/rule.js';
import crossServiceImport from './cross-service-import/index.js';
import duplicateType from './duplicate-type/index.js';
import fileSize from './file-size/index.js';
import functionSize from './function-size/index.js';
import legacyFileName from './legacy-file-name/index.js';
import stubInProduction from './stub-in-production/index.js';
import multipleImplementations from './multiple-implementations/index.js';
import parseError from './parse-error/index.js';
import testCodeInProduction from './test-code-in-production/index.js';
import unjustifiedMock from './unjustified-mock/index.js';
import unusedSuppression from './unused-suppression/index.js';

export const RULES: readonly Rule[] = [
  crossServiceImport,
  testCodeInProduction,
  duplicateType,
  multipleImplementations,
  unjustifiedMock,
  parseError,
  fileSize,
  functionSize,
  legacyFileName,
  stubInProduction,
  unusedSuppression,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
