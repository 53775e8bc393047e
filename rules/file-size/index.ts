import { defineRule } from '../../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'file-size',
    category: 'hygiene',
    scope: 'file',
    reads: ['lines'],
    defaultSeverity: 'off',
    presets: { recommended: 'warning' },
    summary: 'A source file longer than the limit of lines (one limit for production code, one for tests).',
    options: {
      production: { type: 'integer', minimum: 1, default: 500, description: 'The most lines a production file may have.' },
      tests: { type: 'integer', minimum: 1, default: 750, description: 'The most lines a test file may have.' },
      count: {
        enum: ['physical', 'code'],
        default: 'physical',
        description: 'What counts as a line: every physical line, or only lines with code (not blank, not only a comment).',
      },
    },
  },
  run(ctx) {
    const { count, tests, production } = ctx.options;
    for (const file of ctx.index.targets) {
      const limit = file.test ? tests : production;
      const n = file.facts.lines[count];
      if (n <= limit) continue;
      ctx.report({
        path: file.path,
        line: 1,
        column: 0,
        subject: 'file',
        message: `${n} ${count === 'code' ? 'code ' : ''}lines, over the limit of ${limit} for ${file.test ? 'tests' : 'production code'}`,
        help: 'Split it by responsibility.',
      });
    }
  },
});
