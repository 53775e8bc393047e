import type { Rule } from '../../src/engine/rule.js';

interface Options {
  production?: number;
  tests?: number;
}

const rule: Rule = {
  meta: {
    id: 'function-size',
    category: 'hygiene',
    scope: 'file',
    defaultSeverity: 'off',
    summary: 'A function or method longer than the limit (50 lines in production, 80 in tests by default).',
  },
  run(ctx) {
    const o = ctx.options as Options;
    for (const file of ctx.index.targets) {
      const limit = file.test ? (o.tests ?? 80) : (o.production ?? 50);
      for (const fn of file.facts.functions) {
        const n = fn.endLine - fn.line + 1;
        if (n <= limit) continue;
        ctx.report({
          path: file.path,
          line: fn.line,
          column: 0,
          subject: fn.name,
          message: `${fn.name} is ${n} lines (lines ${fn.line}–${fn.endLine}), over the limit of ${limit} for ${file.test ? 'tests' : 'production code'}`,
        });
      }
    }
  },
};

export default rule;
