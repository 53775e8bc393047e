import type { Rule } from '../../src/engine/rule.js';

interface Options {
  production?: number;
  tests?: number;
  count?: 'physical' | 'code';
}

const rule: Rule = {
  meta: {
    id: 'file-size',
    category: 'hygiene',
    scope: 'file',
    defaultSeverity: 'off',
    summary: 'A source file longer than the limit (500 lines in production, 750 in tests by default).',
  },
  run(ctx) {
    const o = ctx.options as Options;
    const count = o.count ?? 'physical';
    for (const file of ctx.index.targets) {
      const limit = file.test ? (o.tests ?? 750) : (o.production ?? 500);
      const n = file.facts.lines[count];
      if (n <= limit) continue;
      ctx.report({
        path: file.path,
        line: 1,
        column: 0,
        subject: 'file',
        message: `${n} ${count === 'code' ? 'code ' : ''}lines, over the limit of ${limit} for ${file.test ? 'tests' : 'production code'}: split it by responsibility`,
      });
    }
  },
};

export default rule;
