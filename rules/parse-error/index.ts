import { defineRule } from '../../src/engine/rule.js';
import { DEFAULT_PYTHON_VERSION } from '../../src/workspace/python-version.js';

const LANGUAGE_NAMES = { python: 'Python', typescript: 'TypeScript', javascript: 'JavaScript' } as const;

export default defineRule({
  meta: {
    id: 'parse-error',
    category: 'hygiene',
    scope: 'file',
    reads: ['diagnostics'],
    defaultSeverity: 'error',
    summary: 'A file that cannot be read or parsed: its location and reason; other rules may see only part of it.',
  },
  run(ctx) {
    for (const file of ctx.index.targets) {
      const d = file.facts.diagnostics[0];
      if (!d) continue;
      const text = /[.?!)]$/.test(d.message) ? d.message : `${d.message}.`;
      // the Python extractor keeps only what precedes the statement with the first error; TypeScript's parser recovers
      const scope = file.language === 'python' && d.line > 1 ? ' Imports and declarations from that statement on are not analysed.' : '';
      // Python's grammar is the target version's (python.version): say which, an f-string valid in 3.12 is not in 3.11
      const language = file.language === 'python' ? `Python ${file.pythonVersion ?? DEFAULT_PYTHON_VERSION}` : LANGUAGE_NAMES[file.language];
      ctx.report({
        path: file.path,
        line: d.line,
        column: d.column,
        subject: 'parse',
        message: `${language}: ${text}${scope}`,
        help: 'Fix the syntax or re-save the file as UTF-8; exclude generated and binary files with files.exclude.',
      });
    }
  },
});
