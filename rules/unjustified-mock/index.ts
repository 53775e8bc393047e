import { defineRule } from '../../src/engine/rule.js';
import { userRegex, type UserRegex } from '../../src/util/regex.js';

/** regular expressions from the config: the loader compiles them on RE2 (`x-regex`), the rule runs them there */
const regexes = { type: 'array', items: { type: 'string', 'x-regex': true } } as const;

/** comply's own forms, native regular expressions; a quoted reason stops at the line's end, so that a long
 * comment block of unclosed quotes costs a line per attempt, not the rest of the block */
const DEFAULT_FORMS = [
  String.raw`comply:\s*mock-justified\b:?\s*(.*)`,
  String.raw`@mock_justified\(\s*(?:reason\s*=\s*)?(?:"([^"\n]*)"|'([^'\n]*)')`,
  String.raw`Mock justification\s*:\s*(.*)`,
  String.raw`(?:^|[#/*\s])Justification\s*:\s*(.*)`,
];

/** justified, or not (with the first placeholder reason met, if any) */
type Verdict = { ok: true } | { ok: false; placeholder?: string };

export default defineRule({
  meta: {
    id: 'unjustified-mock',
    category: 'tests',
    scope: 'file',
    reads: ['mocks', 'mockNotes'],
    defaultSeverity: 'error',
    summary: 'A mock, patch or spy in a test with no justification (or only a placeholder reason).',
    options: {
      forms: {
        ...regexes,
        default: DEFAULT_FORMS,
        description:
          'Regular expressions in RE2 syntax (no backreferences or lookaround; one capture group: the reason) matched against the comments and decorators around a mock; replace the defaults.',
      },
      extraForms: { ...regexes, default: [], description: String.raw`Added to the forms in force (RE2 syntax), e.g. "#\\s*Mock:\\s*(.*)" for a repo's own habit.` },
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
    // forms from the config run on RE2 (src/util/regex.ts: linear time, whatever the pattern); the built-in ones natively
    const builtin = opts.forms.length === DEFAULT_FORMS.length && opts.forms.every((f, i) => f === DEFAULT_FORMS[i]);
    const forms: (RegExp | UserRegex)[] = [
      ...(builtin ? DEFAULT_FORMS.map((f) => new RegExp(f, 'im')) : opts.forms.map((f) => userRegex(f, 'im'))),
      ...opts.extraForms.map((f) => userRegex(f, 'im')),
    ];
    const placeholders = new Set(opts.placeholders.map(norm));
    const judgeTexts = (texts: string[]): Verdict => {
      let placeholder: string | undefined;
      for (const text of texts) {
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
      if (!file.test || file.facts.mocks.length === 0) continue;
      // each entry of the note tree is judged once, with the entries around it: the sites of one function share them
      const notes = file.facts.mockNotes;
      const verdicts: (Verdict | undefined)[] = new Array(notes.length);
      // an entry's parent comes before it (as the adapters number them): anything else, a damaged cache's, ends the chain
      const parentOf = (k: number): number | undefined => {
        const p = notes[k]?.parent;
        return p !== undefined && p >= 0 && p < k ? p : undefined;
      };
      const verdictOf = (n: number | undefined): Verdict => {
        if (n === undefined) return { ok: false };
        const chain: number[] = [];
        for (let k: number | undefined = n; k !== undefined && !verdicts[k]; k = parentOf(k)) chain.push(k);
        for (let i = chain.length - 1; i >= 0; i--) {
          const k = chain[i]!;
          const here = judgeTexts(notes[k]?.texts ?? []);
          const parent = parentOf(k);
          const outer: Verdict = parent !== undefined ? verdicts[parent] ?? { ok: false } : { ok: false };
          verdicts[k] = here.ok || outer.ok ? { ok: true } : { ok: false, ...(here.placeholder ?? outer.placeholder ? { placeholder: (here.placeholder ?? outer.placeholder)! } : {}) };
        }
        return verdicts[n] ?? { ok: false };
      };
      for (const m of file.facts.mocks) {
        const verdict = verdictOf(m.notes);
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

