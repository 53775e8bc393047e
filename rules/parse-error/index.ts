import type { Rule } from '../../src/engine/rule.js';

const rule: Rule = {
  meta: {
    id: 'parse-error',
    category: 'hygiene',
    defaultSeverity: 'error',
    summary: 'A file that cannot be read or parsed; its other findings may be incomplete.',
  },
  run(ctx) {
    for (const file of ctx.index.files) {
      const d = file.facts.diagnostics[0];
      if (!d) continue;
      ctx.report({
        path: file.path,
        line: d.line,
        column: d.column,
        subject: 'parse',
        message: `${file.language === 'python' ? 'Python' : file.language === 'typescript' ? 'TypeScript' : 'JavaScript'}: ${d.message}. Rules saw only what comes before this point.`,
      });
    }
  },
};

export default rule;
