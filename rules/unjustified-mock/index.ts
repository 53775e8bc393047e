import type { MockFact } from '../../src/facts/facts.js';
import { defineRule } from '../../src/engine/rule.js';

const regexes = { type: 'array', items: { type: 'string' } } as const;

export default defineRule({
  meta: {
    id: 'unjustified-mock',
    category: 'tests',
    scope: 'file',
    defaultSeverity: 'error',
    summary: 'A mock, patch or spy in a test with no justification (or only a placeholder reason).',
    options: {
      forms: {
        ...regexes,
        default: [
          String.raw`comply:\s*mock-justified\b:?\s*(.*)`,
          String.raw`@mock_justified\(\s*(?:reason\s*=\s*)?(?:"([^"]*)"|'([^']*)')`,
          String.raw`Mock justification\s*:\s*(.*)`,
          String.raw`(?:^|[#/*\s])Justification\s*:\s*(.*)`,
        ],
        description: 'Regular expressions (one capture group: the reason) matched against the comments and decorators around a mock; replace the defaults.',
      },
      extraForms: { ...regexes, default: [], description: String.raw`Added to the forms in force, e.g. "#\\s*Mock:\\s*(.*)" for a repo's own habit.` },
      placeholders: {
        type: 'array',
        items: { type: 'string' },
        default: ['todo', 'tbd', 'fixme', 'xxx', 'n/a', 'na', 'none', 'mock', 'mocked', 'mocking', 'needed', 'required', 'reason', '...', '-', '?'],
        description: 'Reasons that do not count (compared without case and surrounding punctuation), replacing the defaults.',
      },
    },
  },
  run(ctx) {
    const opts = ctx.options;
    const forms = [...opts.forms, ...opts.extraForms].map((f) => new RegExp(f, 'im'));
    const placeholders = new Set(opts.placeholders.map(norm));
    const judge = (m: MockFact): { ok: true } | { ok: false; placeholder?: string } => {
      let placeholder: string | undefined;
      for (const text of m.context) {
        for (const re of forms) {
          const hit = re.exec(text);
          if (!hit) continue;
          const reason = (hit.slice(1).find((g) => g !== undefined) ?? '').trim();
          if (reason && !placeholders.has(norm(reason))) return { ok: true };
          placeholder ??= reason || '(empty)';
        }
      }
      return placeholder === undefined ? { ok: false } : { ok: false, placeholder };
    };
    for (const file of ctx.index.targets) {
      if (!file.test) continue;
      for (const m of file.facts.mocks) {
        const verdict = judge(m);
        if (verdict.ok) continue;
        const how = file.language === 'python' ? '# comply: mock-justified <reason>' : '// comply: mock-justified <reason>';
        ctx.report({
          path: file.path,
          line: m.line,
          column: m.column,
          subject: m.target ?? m.kind,
          ...(verdict.placeholder
            ? { message: `mock ${m.call} has only a placeholder justification ("${verdict.placeholder}")`, help: 'Say why a real object cannot be used.' }
            : { message: `unjustified mock ${m.call}`, help: `Say why a real object cannot be used (${how} on the line, above it, or on the test).` }),
        });
      }
    }
  },
});

function norm(s: string): string {
  return s.toLowerCase().replace(/^[\s"'`.,:;!()-]+|[\s"'`.,:;!()]+$/g, '') || s.trim().toLowerCase();
}

