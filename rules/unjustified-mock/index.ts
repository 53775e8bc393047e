import type { Rule } from '../../src/engine/rule.js';
import { userRegex, type UserRegex } from '../../src/util/regex.js';

interface Options {
  /** regular expressions (RE2 syntax), each with one capture group for the reason; replace the defaults */
  forms?: string[];
  /** added to the forms in force (a repo's own habit, e.g. "#\\s*Mock:\\s*(.*)") */
  extraForms?: string[];
  /** reasons that do not count (compared without case and surrounding punctuation) */
  placeholders?: string[];
}

/** comply's own forms, native regular expressions; a quoted reason stops at the line's end, so that a long
 * comment block of unclosed quotes costs a line per attempt, not the rest of the block */
export const DEFAULT_FORMS = [
  String.raw`comply:\s*mock-justified\b:?\s*(.*)`,
  String.raw`@mock_justified\(\s*(?:reason\s*=\s*)?(?:"([^"\n]*)"|'([^'\n]*)')`,
  String.raw`Mock justification\s*:\s*(.*)`,
  String.raw`(?:^|[#/*\s])Justification\s*:\s*(.*)`,
];

export const DEFAULT_PLACEHOLDERS = ['todo', 'tbd', 'fixme', 'xxx', 'n/a', 'na', 'none', 'mock', 'mocked', 'mocking', 'needed', 'required', 'reason', '...', '-', '?'];

/** justified, or not (with the first placeholder reason met, if any) */
type Verdict = { ok: true } | { ok: false; placeholder?: string };

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
    // forms from the config run on RE2 (src/util/regex.ts: linear time, whatever the pattern); the built-in ones natively
    const forms: (RegExp | UserRegex)[] = [
      ...(opts.forms ? opts.forms.map((f) => userRegex(f, 'im')) : DEFAULT_FORMS.map((f) => new RegExp(f, 'im'))),
      ...(opts.extraForms ?? []).map((f) => userRegex(f, 'im')),
    ];
    const placeholders = new Set((opts.placeholders ?? DEFAULT_PLACEHOLDERS).map(norm));
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
