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
  // the types a fetch or axios call's result is given, per function: only in files that can hold one
  const api = API_GATE.test(sf.text) ? new ApiTypes(sf) : undefined;
  const API_KINDS = (apiKinds ??= new Set([ts.SyntaxKind.CallExpression, ts.SyntaxKind.AsExpression, ts.SyntaxKind.TypeAssertionExpression, ts.SyntaxKind.VariableDeclaration]));
  let current: FunctionFact | undefined;
  /** the comments before a node and the text of its body: where a placeholder says what it is */
  const around = (node: TS.Node, body: TS.Block): string[] => [sf.text.slice(node.getFullStart(), node.getStart(sf)), body.getText(sf)];
  const visit = (node: TS.Node, owners: string[], parent: TS.Node | undefined, cls?: { abstract: boolean; intent: string | undefined }): void => {
    spend();
    if (api && current && API_KINDS.has(node.kind)) api.visit(node, current);
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
        const fact: FunctionFact = {
          name: [...owners, name].join('.'),
          line: lineOf(node.getStart(sf)),
          endLine: lineOf(node.end),
          ...(stub ? { stub } : {}),
          ...(abstract ? { abstract: true } : {}),
          ...(intent ? { intent } : {}),
          ...(stub ? { params } : {}),
        };
        out.push(fact);
        if (api) {
          const outer = current;
          current = fact;
          ts.forEachChild(node, (c) => visit(c, [...owners, name], node, undefined));
          api.end(node as TS.SignatureDeclaration, fact);
          current = outer;
          return;
        }
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

const API_GATE = /fetch\w*\s*\(|axios|\.json\s*\(|\.(?:get|post|put|patch|delete|request)\s*</i;
let apiKinds: Set<TS.SyntaxKind> | undefined;
const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'request']);

/**
 * The types a function gives the result of an HTTP call: `axios.get<User>(...)`, `api.post<T>('/x')`,
 * `(await res.json()) as User`, `const u: User = await res.json()`, and `Promise<User>` as the return type of a
 * function that fetches. Contract drift pairs them with the backend's response models.
 */
class ApiTypes {
  private readonly ts = typescript();
  private readonly fetching = new WeakSet<FunctionFact>();
  constructor(private readonly sf: TS.SourceFile) {}

  private isHttpCall(call: TS.CallExpression): boolean {
    const ts = this.ts;
    const e = call.expression;
    if (ts.isIdentifier(e)) return /fetch/i.test(e.text) || e.text === 'axios';
    if (!ts.isPropertyAccessExpression(e)) return false;
    if (ts.isIdentifier(e.expression) && e.expression.text === 'axios') return true;
    if (/fetch/i.test(e.name.text)) return true;
    if (!HTTP_METHODS.has(e.name.text)) return false;
    // `map.get(key)` is no request: the first argument must look like a URL
    const arg = call.arguments[0];
    return arg !== undefined && (ts.isStringLiteralLike(arg) || ts.isTemplateExpression(arg)) && arg.getText(this.sf).includes('/');
  }

  /** `.json()`, or an HTTP call, under `await` and parentheses */
  private isResult(e: TS.Expression | undefined): boolean {
    const ts = this.ts;
    while (e && (ts.isAwaitExpression(e) || ts.isParenthesizedExpression(e))) e = e.expression;
    if (!e || !ts.isCallExpression(e)) return false;
    const c = e.expression;
    return (ts.isPropertyAccessExpression(c) && c.name.text === 'json' && e.arguments.length === 0) || this.isHttpCall(e);
  }

  private names(t: TS.TypeNode | undefined, fact: FunctionFact): void {
    const ts = this.ts;
    if (!t) return;
    const found = new Set(fact.api ?? []);
    const walk = (n: TS.Node): void => {
      if (ts.isTypeReferenceNode(n)) {
        const name = ts.isIdentifier(n.typeName) ? n.typeName.text : n.typeName.right.text;
        if (name !== 'Promise') found.add(name);
      }
      ts.forEachChild(n, walk);
    };
    walk(t);
    if (found.size > 0) fact.api = [...found].sort();
  }

  visit(node: TS.Node, fact: FunctionFact): void {
    const ts = this.ts;
    if (ts.isCallExpression(node)) {
      if (!this.isHttpCall(node)) return;
      this.fetching.add(fact);
      for (const t of node.typeArguments ?? []) this.names(t, fact);
    } else if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && this.isResult(node.expression)) {
      this.names(node.type, fact);
    } else if (ts.isVariableDeclaration(node) && node.type && this.isResult(node.initializer)) {
      this.names(node.type, fact);
    }
  }

  /** A function that fetches and returns `Promise<T>`: T is what it fetches. */
  end(fn: TS.SignatureDeclaration, fact: FunctionFact): void {
    const ts = this.ts;
    const t = fn.type;
    if (this.fetching.has(fact) && t && ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && t.typeName.text === 'Promise') this.names(t, fact);
  }
}
