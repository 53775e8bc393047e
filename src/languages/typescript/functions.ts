/** TypeScript / JavaScript functions with block bodies (declarations, methods, accessors, constructors, function
 * expressions, arrow functions), their spans, and placeholder bodies; and the file's line counts. */
import type { FunctionFact } from '../../facts/facts.js';
import { intentOf, isNullObjectName } from '../intent.js';
import { typescript, type TS } from './ts.js';
import { spend } from '../budget.js';

const NOT_IMPLEMENTED = /not\s*implemented|todo/i;

export function collectFunctions(sf: TS.SourceFile): FunctionFact[] {
  const ts = typescript();
  const out: FunctionFact[] = [];
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  // no parent pointers without setParentNodes: the walk passes the parent itself
  const nameOf = (n: TS.Node, p: TS.Node | undefined): string | undefined => {
    const named = (n as { name?: TS.Node }).name;
    if (named && (ts.isIdentifier(named) || ts.isStringLiteral(named) || ts.isPrivateIdentifier(named))) return named.text;
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && ts.isIdentifier(p.name)) return p.name.text;
    return undefined;
  };
  const stubOf = (body: TS.Block): FunctionFact['stub'] => {
    if (body.statements.length !== 1) return undefined;
    const st = body.statements[0]!;
    if (ts.isThrowStatement(st) && st.expression && ts.isNewExpression(st.expression)) {
      const arg = st.expression.arguments?.[0];
      if (arg && ts.isStringLiteralLike(arg) && NOT_IMPLEMENTED.test(arg.text)) return 'not-implemented';
    }
    return undefined;
  };
  /** the comments before a node and the text of its body: where a placeholder says what it is */
  const around = (node: TS.Node, body: TS.Block): string[] => [sf.text.slice(node.getFullStart(), node.getStart(sf)), body.getText(sf)];
  const visit = (node: TS.Node, owners: string[], parent: TS.Node | undefined, cls?: { abstract: boolean; intent: string | undefined }): void => {
    spend();
    let next = owners;
    let inClass = cls;
    if (ts.isClassLike(node)) {
      const name = node.name?.text ?? '<class>';
      next = [...owners, name];
      const abstract = ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AbstractKeyword);
      const said = intentOf([sf.text.slice(node.getFullStart(), node.getStart(sf))]);
      inClass = { abstract, intent: said ?? (isNullObjectName(name) ? 'deliberate' : undefined) };
    } else if (ts.isFunctionLike(node)) {
      const body = (node as { body?: TS.Node }).body;
      const name = nameOf(node, parent) ?? '<anonymous>';
      if (body && ts.isBlock(body)) {
        const isAbstract = ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AbstractKeyword);
        const stub = stubOf(body);
        // what an empty body's comments and error message say, else its class (abstract, or a null object)
        const method = cls !== undefined && parent !== undefined && ts.isClassLike(parent);
        const said = stub ? intentOf(around(node, body)) : undefined;
        const abstract = isAbstract || said === 'abstract' || (stub !== undefined && said === undefined && method && cls.abstract);
        const intent = said === 'placeholder' || said === 'deliberate' ? said : stub && method && said === undefined && cls.intent === 'deliberate' ? 'deliberate' : undefined;
        const params = (node as TS.SignatureDeclarationBase).parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this')).length;
        out.push({
          name: [...owners, name].join('.'),
          line: lineOf(node.getStart(sf)),
          endLine: lineOf(node.end),
          ...(stub ? { stub } : {}),
          ...(abstract ? { abstract: true } : {}),
          ...(intent ? { intent } : {}),
          ...(stub ? { params } : {}),
        });
      }
      next = [...owners, name];
      inClass = undefined;
    }
    ts.forEachChild(node, (c) => visit(c, next, node, inClass));
  };
  ts.forEachChild(sf, (c) => visit(c, [], sf));
  return out.sort((a, b) => a.line - b.line || (a.name < b.name ? -1 : 1));
}

export function lineCounts(text: string): { physical: number; code: number } {
  if (text.length === 0) return { physical: 0, code: 0 };
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  let code = 0;
  let inBlock = false;
  for (const raw of lines) {
    const l = raw.trim();
    if (inBlock) {
      if (l.includes('*/')) inBlock = false;
      continue;
    }
    if (l === '' || l.startsWith('//')) continue;
    if (l.startsWith('/*')) {
      if (!l.includes('*/')) inBlock = true;
      continue;
    }
    code++;
  }
  return { physical: lines.length, code };
}
