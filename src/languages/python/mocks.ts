/**
 * Python mock sites and inline suppressions, from the tokenizer's tokens and comments.
 *
 * A mock site is a call of a `unittest.mock` (or `mock` backport) factory or patcher, or of pytest-mock's `mocker`,
 * qualified through the file's imports at the end of the file (so `from unittest import mock as m; m.Mock()` and
 * `import unittest.mock; unittest.mock.patch(...)` are found, and a `patch` of another origin is not). Each site
 * points into the tree of texts that may justify it (src/languages/mock-notes.ts): the comment on its line, the
 * comment block directly above its statement, and the decorators and comment blocks of the enclosing functions
 * and classes.
 */
import type { MockFact, MockNote, SuppressionFact } from '../../facts/facts.js';
import { parseSuppression, suppressionTargets } from '../comments.js';
import { MockNoteTree } from '../mock-notes.js';
import { dottedAt, isOp, plainStringValue, position, Tok, tokText, type Tokens } from './tokenizer.js';

const MOCK_MEMBERS = new Set([
  'Mock',
  'MagicMock',
  'AsyncMock',
  'NonCallableMock',
  'NonCallableMagicMock',
  'PropertyMock',
  'create_autospec',
  'patch',
  'patch.object',
  'patch.dict',
  'patch.multiple',
]);
const MOCKER_MEMBERS = new Set([...MOCK_MEMBERS, 'spy', 'stub', 'async_stub']);

/** Does a qualified call name create a mock? Returns the short kind (`patch.object`, `MagicMock`, `mocker.spy`). */
export function mockKind(qualified: string): string | undefined {
  for (const prefix of ['unittest.mock.', 'mock.']) {
    if (qualified.startsWith(prefix) && MOCK_MEMBERS.has(qualified.slice(prefix.length))) return qualified.slice(prefix.length);
  }
  if (qualified.startsWith('mocker.') && MOCKER_MEMBERS.has(qualified.slice(7))) return qualified;
  return undefined;
}

interface RawSite {
  name: string;
  tok: number;
  target?: string;
  /** the innermost entry of the note tree that may justify it */
  notes?: number;
}

export class PythonMockCollector {
  private readonly own = new Map<number, string>();
  private readonly trailing = new Map<number, string>();
  private readonly sites: RawSite[] = [];
  private readonly tree = new MockNoteTree();
  /** sites on decorator lines wait for the function or class they decorate; `own`: their line's comments made
   * an entry of the tree, which then goes inside the function's */
  private pending: { site: RawSite; own: boolean }[] = [];

  constructor(private readonly toks: Tokens) {
    const t = toks;
    for (let i = 0; i < t.commentCount; i++) {
      const s = t.commentStart[i]!;
      const { line, column } = position(t, s);
      const text = t.text.slice(s, t.commentEnd[i]!);
      const before = t.text.slice(s - column, s);
      if (before.trim() === '') this.own.set(line, text);
      else this.trailing.set(line, text);
    }
  }

  private text(i: number): string {
    return tokText(this.toks, i);
  }
  private isOp(i: number, op: string): boolean {
    return isOp(this.toks, i, op);
  }

  /** The contiguous comment-only lines directly above `line`, as one text. */
  commentAbove(line: number): string[] {
    const out: string[] = [];
    for (let l = line - 1; this.own.has(l); l--) out.push(this.own.get(l)!);
    return out.length > 0 ? [out.reverse().join('\n')] : [];
  }

  /**
   * The note entry of a def/class header inside `enclosing`: its decorators and the comment block above them.
   * The mock sites on its decorator lines go inside it.
   */
  header(decorators: string[], firstLine: number, enclosing: number | undefined): number | undefined {
    const node = this.tree.add([...decorators, ...this.commentAbove(firstLine)], enclosing);
    for (const { site, own } of this.pending) {
      if (own) this.tree.reparent(site.notes!, node);
      else if (node !== undefined) site.notes = node;
      this.sites.push(site);
    }
    this.pending = [];
    return node;
  }

  /**
   * Scan one logical line [a, b) for mock calls. `firstLine`/`lastLine` are its physical lines; `enclosing` the
   * note entry of the innermost enclosing function or class. On a decorator line the sites wait for `header()`.
   */
  scan(a: number, b: number, firstLine: number, lastLine: number, enclosing: number | undefined, decorator: boolean): void {
    const t = this.toks;
    let own: { node: number | undefined } | undefined;
    for (let i = a; i < b; i++) {
      if (t.type[i] !== Tok.Name || (i > a && (this.isOp(i - 1, '.') || this.text(i - 1) === 'def' || this.text(i - 1) === 'class'))) continue;
      const { name, next } = dottedAt(t, i, b);
      const j = next - 1;
      if (j + 1 >= b || !this.isOp(j + 1, '(')) {
        i = j;
        continue;
      }
      const last = name.slice(name.lastIndexOf('.') + 1);
      if (!MOCK_MEMBERS.has(last) && !MOCKER_MEMBERS.has(last) && last !== 'object' && last !== 'dict' && last !== 'multiple') {
        i = j;
        continue;
      }
      // the line's own comments: one entry for all its sites
      own ??= {
        node: this.tree.add(
          [
            ...[...new Set([this.trailing.get(firstLine), this.trailing.get(lastLine)])].filter((x): x is string => x !== undefined),
            ...this.commentAbove(firstLine),
          ],
          enclosing,
        ),
      };
      const site: RawSite = { name, tok: i };
      if (own.node !== undefined) site.notes = own.node;
      const target = this.target(last, j + 2, b);
      if (target !== undefined) site.target = target;
      if (decorator) this.pending.push({ site, own: own.node !== enclosing });
      else this.sites.push(site);
      i = j;
    }
  }

  /** `patch("a.b")`, `patch.dict("os.environ")` → the string; `patch.object(Foo, "bar")` → `Foo.bar`. */
  private target(last: string, argStart: number, b: number): string | undefined {
    const t = this.toks;
    if (argStart >= b) return undefined;
    if (last === 'object') {
      let k = argStart;
      let depth = 0;
      while (k < b && !(depth === 0 && this.isOp(k, ','))) {
        if (this.isOp(k, '(') || this.isOp(k, '[')) depth++;
        if (this.isOp(k, ')') || this.isOp(k, ']')) depth--;
        k++;
      }
      const first = t.text.slice(t.start[argStart]!, t.end[k - 1]!);
      const attr = k + 1 < b && t.type[k + 1] === Tok.String ? plainStringValue(this.text(k + 1)) : undefined;
      return attr !== undefined ? `${first}.${attr}` : first;
    }
    if (t.type[argStart] === Tok.String) return plainStringValue(this.text(argStart));
    return undefined;
  }

  /** The mock sites, sorted, and the note entries they reach. */
  finish(bindings: ReadonlyMap<string, string>): { mocks: MockFact[]; notes: MockNote[] } {
    const out: MockFact[] = [];
    for (const s of [...this.sites, ...this.pending.map((p) => p.site)]) {
      const dot = s.name.indexOf('.');
      const head = dot < 0 ? s.name : s.name.slice(0, dot);
      const bound = bindings.get(head);
      const qualified = bound ? bound + (dot < 0 ? '' : s.name.slice(dot)) : s.name;
      const kind = mockKind(qualified);
      if (!kind) continue;
      out.push({
        kind: qualified,
        call: `${kind}(${s.target === undefined ? '' : kind.endsWith('patch.object') ? s.target : JSON.stringify(s.target)})`,
        ...(s.target !== undefined ? { target: s.target } : {}),
        ...position(this.toks, this.toks.start[s.tok]!),
        ...(s.notes !== undefined ? { notes: s.notes } : {}),
      });
    }
    out.sort((x, y) => x.line - y.line || x.column - y.column);
    return { mocks: out, notes: this.tree.finish(out) };
  }

  suppressions(): SuppressionFact[] {
    const out: SuppressionFact[] = [];
    let target: ((line: number, column: number) => number) | undefined;
    for (const [line, text] of [...this.own, ...this.trailing].sort(([a], [b]) => a - b)) {
      const s = parseSuppression(text);
      if (!s) continue;
      if (this.trailing.get(line) === text) {
        out.push({ ...s, line, target: line }); // after code: covers its own line
        continue;
      }
      target ??= suppressionTargets(this.toks.text.split(/\r\n|\r|\n/), (l) => l.startsWith('#'));
      out.push({ ...s, line, target: target(line, 0) });
    }
    return out;
  }
}
