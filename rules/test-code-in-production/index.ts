import { defineRule } from '../../src/engine/rule.js';
import { describeForms, importForms, moduleMatches } from '../shared.js';

export default defineRule({
  meta: {
    id: 'test-code-in-production',
    category: 'boundaries',
    scope: 'file',
    reads: ['imports'],
    defaultSeverity: 'error',
    summary: 'Production code imports test-only code: test files, test-support packages, or mocking and test libraries.',
    options: {
      modules: {
        type: 'array',
        items: { type: 'string' },
        // test-only packages that are not in the repo
        default: ['unittest.mock', 'mock', 'pytest', '_pytest', 'pytest_*', 'vitest', 'jest', '@jest/*', '@testing-library/*', 'sinon'],
        description: 'Test-only modules outside the repo (Python dotted prefixes or npm names; globs allowed), replacing the defaults.',
      },
      ignoreForms: importForms('Import forms never reported: by default the ones that never run (if TYPE_CHECKING, import type).', ['type-checking', 'type-only']),
    },
  },
  run(ctx) {
    const { modules } = ctx.options;
    const ignore = new Set(ctx.options.ignoreForms);
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
          help: 'Move what production needs out of the test code (a real null object, not a mock), or add the file to files.tests if it is test code.',
        });
      }
    }
  },
});
