/**
 * TypeScript / JavaScript mock sites (jest, vitest, sinon) with the comments that may justify them, and
 * `// comply-ignore[...]` suppressions. Both walks run only when the text can hold what they look for.
 */
import type { MockFact, MockNote, SuppressionFact } from '../../facts/facts.js';
import { positionIn } from '../../util/text.js';
import { MockNoteTree } from '../mock-notes.js';
import { parseSuppression, suppressionTargets } from '../comments.js';
import { spend } from '../budget.js';
import { typescript, type TS } from './ts.js';

const CREATORS = new Set([
  'jest.mock',
  'jest.doMock',
  'jest.fn',
  'jest.spyOn',
  'jest.createMockFromModule',
  'vi.mock',
  'vi.doMock',
  'vi.fn',
  'vi.spyOn',
  'sinon.stub',
  'sinon.mock',
  'sinon.spy',
  'sinon.fake',
  'sinon.createStubInstance',
]);

/** A statement with the statements around it, innermost first, and its entries in the note tree once made. */
interface Enclosing {
  stmt: TS.Node;
  outer: Enclosing | undefined;
  /** the comment block above it, inside the outer statements' (what a site in a nested statement reads) */
  scope?: { node: number | undefined };
  /** that and its trailing comments (what a site directly in it reads) */
  own?: { node: number | undefined };
}

/**
 * The mock sites of a file and the note entries they reach (src/languages/mock-notes.ts): for a site, the
 * comments trailing its statement and the block above it, then the blocks above each enclosing statement.
 */
export function collectMocks(sf: TS.SourceFile, text: string): { mocks: MockFact[]; notes: MockNote[] } {
  const ts = typescript();
  if (!/\b(?:jest|vi|sinon)\s*\.\s*(?:mock|doMock|fn|spyOn|createMockFromModule|stub|spy|fake|createStubInstance)\b/.test(text)) return { mocks: [], notes: [] };
  const out: MockFact[] = [];
  const tree = new MockNoteTree();
  const comments = (ranges: TS.CommentRange[] | undefined): string[] => (ranges ?? []).map((r) => text.slice(r.pos, r.end));
  /** the comment block directly above a node (leading trivia), joined */
  const above = (node: TS.Node): string[] => {
    const c = comments(ts.getLeadingCommentRanges(text, node.pos));
    return c.length > 0 ? [c.join('\n')] : [];
  };
  const scopeOf = (e: Enclosing | undefined): number | undefined => {
    if (!e) return undefined;
    // iteratively outwards to the first statement whose entry is made, then back in
    const chain: Enclosing[] = [];
    for (let k: Enclosing | undefined = e; k && !k.scope; k = k.outer) chain.push(k);
    for (let i = chain.length - 1; i >= 0; i--) {
      const k = chain[i]!;
      k.scope = { node: tree.add(above(k.stmt), k.outer?.scope!.node) };
    }
    return e.scope!.node;
  };
  const ownOf = (e: Enclosing): number | undefined => {
    e.own ??= { node: tree.add([...comments(ts.getTrailingCommentRanges(text, e.stmt.end)), ...above(e.stmt)], scopeOf(e.outer)) };
    return e.own.node;
  };
  const visit = (node: TS.Node, enclosing: Enclosing | undefined): void => {
    spend();
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
        const kind = `${callee.expression.text}.${callee.name.text}`;
        if (CREATORS.has(kind)) {
          const a0 = node.arguments[0];
          const a1 = node.arguments[1];
          let target: string | undefined;
          let shown = '';
          if (a0 && ts.isStringLiteralLike(a0)) {
            target = a0.text;
            shown = JSON.stringify(target);
          } else if (a0 && /spyOn|stub|spy|mock$/.test(kind) && a1 && ts.isStringLiteralLike(a1)) {
            target = `${a0.getText(sf)}.${a1.text}`;
            shown = `${a0.getText(sf)}, ${JSON.stringify(a1.text)}`;
          }
          const lc = sf.getLineAndCharacterOfPosition(node.getStart(sf));
          const notes = enclosing ? ownOf(enclosing) : undefined;
          out.push({
            kind,
            call: `${kind}(${shown})`,
            ...(target !== undefined ? { target } : {}),
            line: lc.line + 1,
            column: lc.character,
            ...(notes !== undefined ? { notes } : {}),
          });
        }
      }
    }
    // a statement of a block or of the file: comments attach to it
    const inList = ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node);
    if (inList) {
      for (const st of node.statements) visit(st, { stmt: st, outer: enclosing });
      return;
    }
    ts.forEachChild(node, (child) => visit(child, enclosing));
  };
  visit(sf, undefined);
  return { mocks: out, notes: tree.finish(out) };
}

export function collectSuppressions(text: string): SuppressionFact[] {
  const ts = typescript();
  if (!text.includes('comply-ignore')) return [];
  const out: SuppressionFact[] = [];
  const target = suppressionTargets(text.split(/\r\n|\r|\n/), (l) => l.startsWith('//') || l.startsWith('/*') || l.startsWith('*'));
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind !== ts.SyntaxKind.SingleLineCommentTrivia && kind !== ts.SyntaxKind.MultiLineCommentTrivia) continue;
    const s = parseSuppression(scanner.getTokenText());
    if (!s) continue;
    const { line, column } = positionIn(starts, starts.length, scanner.getTokenStart());
    out.push({ ...s, line, target: target(line, column) });
  }
  return out;
}
