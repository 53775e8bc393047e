import { defineRule } from '../../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'function-size',
    category: 'hygiene',
    scope: 'file',
    reads: ['functions'],
    defaultSeverity: 'off',
    presets: { recommended: 'warning' },
    summary: 'A function or method longer than the limit of lines (one limit for production code, one for tests).',
    options: {
      production: { type: 'integer', minimum: 1, default: 50, description: 'The most lines a function in production code may have.' },
      tests: { type: 'integer', minimum: 1, default: 80, description: 'The most lines a function in a test file may have.' },
    },
  },
  run(ctx) {
    const { production, tests } = ctx.options;
    for (const file of ctx.index.targets) {
      const limit = file.test ? tests : production;
      for (const fn of file.facts.functions) {
        const n = fn.endLine - fn.line + 1;
        if (n <= limit) continue;
        ctx.report({
          path: file.path,
          line: fn.line,
          column: 0,
          subject: fn.name,
          message: `${fn.name} is ${n} lines (lines ${fn.line}–${fn.endLine}), over the limit of ${limit} for ${file.test ? 'tests' : 'production code'}`,
          help: 'Extract its steps into named functions.',
        });
      }
    }
  },
});
