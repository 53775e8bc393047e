import type { MockFact } from '../../src/facts/facts.js';
import type { Rule } from '../../src/engine/rule.js';

interface Options {
  /** regular expressions, each with one capture group for the reason; replace the defaults */
  forms?: string[];
  /** added to the forms in force (a repo's own habit, e.g. "#\\s*Mock:\\s*(.*)") */
  extraForms?: string[];
  /** reasons that do not count (compared without case and surrounding punctuation) */
  placeholders?: string[];
}

export const DEFAULT_FORMS = [
  String.raw`comply:\s*mock-justified\b:?\s*(.*)`,
  String.raw`@mock_justified\(\s*(?:reason\s*=\s*)?(?:"([^"]*)"|'([^']*)')`,
  String.raw`Mock justification\s*:\s*(.*)`,
  String.raw`(?:^|[#/*\s])Justification\s*:\s*(.*)`,
];

export const DEFAULT_PLACEHOLDERS = ['todo', 'tbd', 'fixme', 'xxx', 'n/a', 'na', 'none', 'mock', 'mocked', 'mocking', 'needed', 'required', 'reason', '...', '-', '?'];

const rule: Rule = {
  meta: {
    id: 'unjustified-mock',
    category: 'tests',
    scope: 'file',
    defaultSeverity: 'error',
    summary: 'A mock, patch or spy in a test with no justification (or only a placeholder reason).',
  },
  run(ctx) {
    const opts = ctx.options as Options;
    const forms = [...(opts.forms ?? DEFAULT_FORMS), ...(opts.extraForms ?? [])].map((f) => new RegExp(f, 'im'));
    const placeholders = new Set((opts.placeholders ?? DEFAULT_PLACEHOLDERS).map(norm));
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
          message: verdict.placeholder
            ? `mock ${m.call} has only a placeholder justification ("${verdict.placeholder}"): say why a real object cannot be used`
            : `unjustified mock ${m.call}: say why a real object cannot be used (${how} on the line, above it, or on the test)`,
        });
      }
    }
  },
};

function norm(s: string): string {
  return s.toLowerCase().replace(/^[\s"'`.,:;!()-]+|[\s"'`.,:;!()]+$/g, '') || s.trim().toLowerCase();
}

export default rule;
