/**
 * TypeScript / JavaScript mock sites (jest, vitest, sinon) with the comments that may justify them, and
 * `// comply-ignore[...]` suppressions. Both walks run only when the text can hold what they look for.
 */
import type { MockFact, SuppressionFact } from '../../facts/facts.js';
import { positionIn } from '../../util/text.js';
import { parseSuppression, suppressionTarget } from '../comments.js';
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

export function collectMocks(sf: TS.SourceFile, text: string): MockFact[] {
  const ts = typescript();
  if (!/\b(?:jest|vi|sinon)\s*\.\s*(?:mock|doMock|fn|spyOn|createMockFromModule|stub|spy|fake|createStubInstance)\b/.test(text)) return [];
  const out: MockFact[] = [];
  const comments = (ranges: TS.CommentRange[] | undefined): string[] => (ranges ?? []).map((r) => text.slice(r.pos, r.end));
  /** the comment block directly above a node (leading trivia), joined */
  const above = (node: TS.Node): string[] => {
    const c = comments(ts.getLeadingCommentRanges(text, node.pos));
    return c.length > 0 ? [c.join('\n')] : [];
  };
  const visit = (node: TS.Node, statements: TS.Node[]): void => {
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
          const stmt = statements[statements.length - 1];
          const context: string[] = [];
          if (stmt) {
            context.push(...comments(ts.getTrailingCommentRanges(text, stmt.end)));
            context.push(...above(stmt));
          }
          for (let i = statements.length - 2; i >= 0; i--) context.push(...above(statements[i]!));
          out.push({
            kind,
            call: `${kind}(${shown})`,
            ...(target !== undefined ? { target } : {}),
            line: lc.line + 1,
            column: lc.character,
            context,
          });
        }
      }
    }
    // a statement of a block or of the file: comments attach to it
    const inList = ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node);
    if (inList) {
      for (const st of node.statements) visit(st, [...statements, st]);
      return;
    }
    ts.forEachChild(node, (child) => visit(child, statements));
  };
  visit(sf, []);
  return out;
}

export function collectSuppressions(text: string): SuppressionFact[] {
  const ts = typescript();
  if (!text.includes('comply-ignore')) return [];
  const out: SuppressionFact[] = [];
  const lines = text.split(/\r\n|\r|\n/);
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
    out.push({ ...s, line, target: suppressionTarget(lines, line, column, (l) => l.startsWith('//') || l.startsWith('/*') || l.startsWith('*')) });
  }
  return out;
}
