import type { ImportForm } from '../../src/facts/facts.js';
import type { Rule } from '../../src/engine/rule.js';
import { describeForms, moduleMatches } from '../shared.js';

interface Options {
  modules?: string[];
  ignoreForms?: ImportForm[];
}

/** Test-only packages that are not in the repo. */
export const DEFAULT_TEST_MODULES = [
  'unittest.mock',
  'mock',
  'pytest',
  '_pytest',
  'pytest_*',
  'vitest',
  'jest',
  '@jest/*',
  '@testing-library/*',
  'sinon',
];

const rule: Rule = {
  meta: {
    id: 'test-code-in-production',
    category: 'boundaries',
    scope: 'file',
    defaultSeverity: 'error',
    summary: 'Production code imports test-only code: test files, test-support packages, or mocking and test libraries.',
  },
  run(ctx) {
    const opts = ctx.options as Options;
    const modules = opts.modules ?? DEFAULT_TEST_MODULES;
    const ignore = new Set(opts.ignoreForms ?? ['type-checking', 'type-only']);
    const { index } = ctx;
    for (const file of index.targets) {
      if (file.test || !file.service) continue;
      for (const imp of file.facts.imports) {
        if (imp.forms.some((f) => ignore.has(f))) continue;
        const target = index.resolve(file, imp);
        let what: string | undefined;
        if (target.kind !== 'external' && target.test) {
          what =
            target.service?.kind === 'test-support'
              ? `test-support code of ${target.service.name}`
              : `a test file${target.path ? ` (${target.path})` : ''}`;
        } else if (target.kind === 'external') {
          // `from unittest import mock` takes the module unittest.mock
          const named = file.language === 'python' ? imp.names.map((n) => `${imp.module}.${n}`) : [];
          const hit = modules.find((m) => moduleMatches(imp.module, m) || named.some((n) => moduleMatches(n, m)));
          if (hit) what = `the test-only package "${hit}"`;
        }
        if (!what) continue;
        ctx.report({
          path: file.path,
          line: imp.line,
          column: imp.column,
          subject: target.display,
          message: `production code imports "${target.display}" (${describeForms(imp.forms)}), ${what}`,
        });
      }
    }
  },
};

export default rule;
