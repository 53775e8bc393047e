import { defineRule } from '../../src/engine/rule.js';

const LANGUAGE_NAMES = { python: 'Python', typescript: 'TypeScript', javascript: 'JavaScript' } as const;

export default defineRule({
  meta: {
    id: 'parse-error',
    category: 'hygiene',
    scope: 'file',
    defaultSeverity: 'error',
    summary: 'A file that cannot be read or parsed: its location and reason; other rules may see only part of it.',
  },
  run(ctx) {
    for (const file of ctx.index.targets) {
      const d = file.facts.diagnostics[0];
      if (!d) continue;
      const text = /[.?!)]$/.test(d.message) ? d.message : `${d.message}.`;
      // the Python extractor keeps only what precedes the first error; the TypeScript parser recovers
      const scope = file.language === 'python' && d.line > 1 ? ' Imports after this point are not analysed.' : '';
      ctx.report({
        path: file.path,
        line: d.line,
        column: d.column,
        subject: 'parse',
        message: `${LANGUAGE_NAMES[file.language]}: ${text}${scope}`,
        help: 'Fix the syntax or re-save the file as UTF-8; exclude generated and binary files with files.exclude.',
      });
    }
  },
});
