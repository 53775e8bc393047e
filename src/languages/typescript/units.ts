/**
 * Units for concept detection (DESIGN §3, signals), as in the Python adapter (../python/units.ts): each top-level
 * class and function (a function declaration, or a `const f = () => ...`), and the module's own top-level code,
 * with the calls and constructions of imported or module-level names they make and where each result goes: kept
 * on `this` (or a property initializer), in a module-level variable (or `globalThis`, or an object the function
 * did not create), handed out by `return` (or an arrow's expression body), or used inside one function.
 */
import { KEPT, type UnitFact, type UseDest, type UseFact } from '../../facts/facts.js';
import { BASE_URL, ENDPOINT_URL, KEY_CALL, MESSAGE_SINK, NAVIGATION, OAUTH_PARAM, OAUTH_VALUE, REQUEST_URL_KEY, URL_BUILDER } from '../python/units.js';
import { spend } from '../budget.js';
import { typescript, type TS } from './ts.js';

const SCHEME = /^([a-z][a-z0-9]*(?:\+[a-z0-9_]+)?):\/\//i;
const WEB = /^(?:https?|wss?|ftp|file|data|mailto|blob)$/i;

interface Unit {
  fact: UnitFact;
  seen: Map<string, UseFact>;
  urls: Set<string>;
  schemes: Set<string> | undefined;
}

/** a function's local variables (with the uses their values hold) and parameters */
interface Flow {
  locals: Map<string, UseFact[]>;
  declared: Set<string>;
  /** a parameter → its type's name, qualified as uses are (`api: Client` → `@polar-sh/client.Client`) */
  params?: Map<string, string>;
  /** where what it returns goes: `handout` for a static method (a factory, which its class never keeps) */
  returns?: UseDest;
}

/** where an expression's value goes */
interface Dest {
  to: UseDest;
  target?: string;
  /** a local variable it is stored in */
  into?: UseFact[];
  /** inside a function call's arguments: a local read here does not go where the call's result goes */
  noFlow?: true;
  /** inside a message's or a navigation's arguments, at any depth (`redirect(new URL('/auth/x', base))`) */
  muted?: true;
}

export function collectUnits(sf: TS.SourceFile, pos: (n: TS.Node) => { line: number; column: number }): UnitFact[] {
  const ts = typescript();
  if (sf.isDeclarationFile) return []; // a declaration has no run time
  // local name → [qualified origin, import specifier]
  const origins = new Map<string, [string, string]>();
  // `import type { Client } from '...'`: names a parameter's type only
  const typeOrigins = new Map<string, [string, string]>();
  const moduleNames = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.importClause?.isTypeOnly) {
      const nb = st.importClause.namedBindings;
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) typeOrigins.set(el.name.text, [`${st.moduleSpecifier.text}.${(el.propertyName ?? el.name).text}`, st.moduleSpecifier.text]);
    } else if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.importClause && !st.importClause.isTypeOnly) {
      const mod = st.moduleSpecifier.text;
      const c = st.importClause;
      if (c.name) origins.set(c.name.text, [mod, mod]);
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) origins.set(nb.name.text, [mod, mod]);
      else if (nb) for (const el of nb.elements) origins.set(el.name.text, [`${mod}.${(el.propertyName ?? el.name).text}`, mod]);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
      const mod = st.moduleReference.expression.text;
      origins.set(st.name.text, [mod, mod]);
    } else if ((ts.isClassDeclaration(st) || ts.isFunctionDeclaration(st)) && st.name) moduleNames.add(st.name.text);
    else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) moduleNames.add(d.name.text);
        // const { Pool } = require('pg')
        if (d.initializer && ts.isCallExpression(d.initializer) && ts.isIdentifier(d.initializer.expression) && d.initializer.expression.text === 'require') {
          const arg = d.initializer.arguments[0];
          if (arg && ts.isStringLiteral(arg)) {
            if (ts.isIdentifier(d.name)) origins.set(d.name.text, [arg.text, arg.text]);
            else if (ts.isObjectBindingPattern(d.name)) {
              for (const el of d.name.elements) {
                if (!ts.isIdentifier(el.name)) continue;
                const imported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
                origins.set(el.name.text, [`${arg.text}.${imported}`, arg.text]);
              }
            }
          }
        }
      }
    }
  }
  for (const n of origins.keys()) moduleNames.delete(n);

  const units: Unit[] = [];
  const newUnit = (kind: UnitFact['kind'], name: string, at: TS.Node | undefined): Unit => {
    const u: Unit = { fact: { kind, name, ...(at ? pos(at) : { line: 1, column: 0 }), uses: [] }, seen: new Map(), urls: new Set(), schemes: undefined };
    units.push(u);
    return u;
  };
  const moduleUnit = newUnit('module', '', undefined);

  /** `a.b.c` as [head identifier, rest] */
  const dotted = (e: TS.Expression): [string, string] | undefined => {
    let rest = '';
    let cur: TS.Expression = e;
    while (ts.isPropertyAccessExpression(cur)) {
      rest = `.${cur.name.text}${rest}`;
      cur = cur.expression;
    }
    return ts.isIdentifier(cur) ? [cur.text, rest] : undefined;
  };
  const record = (unit: Unit, head: string, rest: string, node: TS.Node, d: Dest, ref: boolean, scheme?: string, tokenKey?: string): UseFact | undefined => {
    const origin = origins.get(head);
    let name: string;
    if (origin) name = origin[0] + rest;
    else if (moduleNames.has(head)) name = `.${head}${rest}`;
    else if (head === 'fetch' && !ref) name = 'fetch';
    else return undefined;
    const key = `${name}\0${d.to}\0${d.target ?? ''}\0${ref ? 1 : 0}\0${tokenKey ?? ''}`;
    let use = unit.seen.get(key);
    if (!use) {
      use = { name, to: d.to, line: pos(node).line };
      if (d.target !== undefined) use.target = d.target;
      if (ref) use.ref = true;
      if (tokenKey !== undefined) use.key = tokenKey;
      unit.seen.set(key, use);
      unit.fact.uses.push(use);
    }
    if (scheme && !use.scheme) use.scheme = scheme;
    return use;
  };
  /**
   * What a method call is made on, named as uses are: an import (`api` from '@/utils/client'), a module-level name,
   * what a local was given by a call (`const client = await getServerSideAPI()`), a parameter's type.
   */
  const receiver = (e: TS.Expression, flow: Flow | undefined): string | undefined => {
    while (ts.isAwaitExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
    const q = dotted(e);
    if (!q) return undefined;
    const [head, rest] = q;
    if (flow?.locals.has(head)) {
      const held = flow.locals.get(head)!.find((u) => !u.ref);
      return held?.name;
    }
    const param = flow?.params?.get(head);
    if (param !== undefined) return param;
    if (flow?.declared.has(head)) return undefined;
    const origin = origins.get(head);
    if (origin) return origin[0] + rest;
    return moduleNames.has(head) ? `.${head}${rest}` : undefined;
  };
  const stringText = (n: TS.Node): string | undefined =>
    ts.isStringLiteralLike(n) ? n.text : ts.isTemplateExpression(n) ? n.head.text + n.templateSpans.map((sp) => `{}${sp.literal.text}`).join('') : undefined;

  /**
   * Visit an expression (or any node) whose value goes to `d`. `given`: inside the arguments of a call that is not
   * a message (log, error), a navigation (redirect) nor a route (given a handler), where an endpoint URL is
   * evidence: the call's name.
   */
  const K = ts.SyntaxKind;
  const visit = (n: TS.Node, unit: Unit, flow: Flow | undefined, d: Dest, given: string | undefined, via?: string): void => {
    spend();
    const kind = n.kind;
    // tokens, keywords and numbers hold nothing; type annotations run nothing
    if (kind < K.FirstNode && kind !== K.Identifier && kind !== K.StringLiteral && kind !== K.NoSubstitutionTemplateLiteral) return;
    if (kind >= K.FirstTypeNode && kind <= K.LastTypeNode) return;
    if (kind === K.CallExpression || kind === K.NewExpression) {
      const call = n as TS.CallExpression | TS.NewExpression;
      const callee = call.expression;
      const q = dotted(callee);
      const args: readonly TS.Expression[] = call.arguments ?? [];
      let scheme: string | undefined;
      const first = args[0];
      if (first && ts.isStringLiteralLike(first)) scheme = SCHEME.exec(first.text)?.[1]?.toLowerCase();
      if (q) {
        const [head, rest] = q;
        // a token call's key, named as uses are (`verify(token, JWT_SECRET)`, a key a local got from a call), by the
        // call's own name (`import { verify as check } from 'jsonwebtoken'` makes `check(...)` a verify)
        const own = origins.get(head)?.[0] ?? head;
        const called = rest ? rest.slice(rest.lastIndexOf('.') + 1) : own.slice(own.lastIndexOf('.') + 1);
        const tokenKey = args[1] && KEY_CALL.test(called) ? receiver(args[1], flow) : undefined;
        const use = flow?.locals.has(head) || flow?.declared.has(head) ? undefined : record(unit, head, rest, n, d, false, scheme, tokenKey);
        if (use && d.into) d.into.push(use);
      } else visit(callee, unit, flow, d, given, via);
      const last = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      const muted = d.muted || MESSAGE_SINK.test(last) || NAVIGATION.test(last) || (ts.isNewExpression(n) && /Error$/.test(last));
      const message = muted || args.some((x) => ts.isFunctionLike(x));
      // a local given to a constructor goes where the new object goes (`new Wrapper(pool)`); given to a function,
      // what comes back is something else
      let inner: Dest = ts.isNewExpression(n) || d.noFlow ? d : { ...d, noFlow: true };
      if (muted && !inner.muted) inner = { ...inner, muted: true };
      const on = ts.isPropertyAccessExpression(callee) ? receiver(callee.expression, flow) : undefined;
      // a URL built from parts is given where the built URL goes: `fetch(new URL('/auth/login', base))` is fetch's
      const builds = URL_BUILDER.test(last);
      for (const a of args) visit(a, unit, flow, inner, message ? undefined : builds ? given : last, message ? undefined : builds ? via : on);
      return;
    }
    if (kind === K.Identifier) {
      const local = flow?.locals.get((n as TS.Identifier).text);
      if (local && d.noFlow) return;
      if (local) {
        if (d.into) d.into.push(...local);
        else if (KEPT.has(d.to)) {
          for (const u of local) {
            if (KEPT.has(u.to)) continue;
            // the use moves to where the variable's value goes: re-keyed
            u.to = d.to;
            if (d.target !== undefined) u.target = d.target;
          }
        }
      } else if (KEPT.has(d.to) && !flow?.declared.has((n as TS.Identifier).text)) record(unit, (n as TS.Identifier).text, '', n, d, true);
      return;
    }
    if (kind === K.PropertyAccessExpression) {
      const q = dotted(n as TS.PropertyAccessExpression);
      if (q && !flow?.locals.has(q[0]) && !flow?.declared.has(q[0])) {
        if (KEPT.has(d.to)) record(unit, q[0], q[1], n, d, true);
        return;
      }
      visit((n as TS.PropertyAccessExpression).expression, unit, flow, d, given, via);
      return;
    }
    const s = kind === K.StringLiteral || kind === K.NoSubstitutionTemplateLiteral || kind === K.TemplateExpression ? stringText(n) : undefined;
    // `grant_type`, `response_type` (a property's name, or a string): the unit is an OAuth 2 authorization server's client
    if (s !== undefined && s.length < 14 && OAUTH_PARAM.test(s)) unit.fact.oauth = true;
    if (s !== undefined) {
      const m = SCHEME.exec(s);
      if (m && !WEB.test(m[1]!)) (unit.schemes ??= new Set()).add(m[1]!.toLowerCase());
      if (given !== undefined && s.length < 200 && ENDPOINT_URL.test(s) && !unit.urls.has(s)) {
        unit.urls.add(s);
        (unit.fact.urls ??= []).push({ url: s, line: pos(n).line, ...(given ? { call: given } : {}), ...(via ? { via } : {}) });
      }
      if (kind !== K.TemplateExpression) return;
    }
    if (ts.isFunctionLike(n)) {
      fnBody(n, unit);
      return;
    }
    if (ts.isClassLike(n)) {
      classBody(n, unit);
      return;
    }
    // `axios.create({ baseURL: 'https://slack.com/api' })`: the unit's relative URLs are that host's
    if (given !== undefined && ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && BASE_URL.test(n.name.text) && ts.isStringLiteralLike(n.initializer) && /^https?:\/\//i.test(n.initializer.text)) {
      const s = n.initializer.text;
      if (!unit.urls.has(s)) {
        unit.urls.add(s);
        (unit.fact.urls ??= []).push({ url: s, line: pos(n).line, base: true });
      }
      return;
    }
    // a property of an object given to a call is data or a setting (`{ token_uri: 'https://...' }`, a payload's
    // `next: '/auth/login'`), not the endpoint called, unless it names the URL requested (`{ url: '/auth/login' }`)
    if (ts.isPropertyAssignment(n)) {
      const key = ts.isIdentifier(n.name) || ts.isStringLiteral(n.name) ? n.name.text : undefined;
      // (given a literal, an OAuth value: not `{ response_type: 'json' }`)
      if (key !== undefined && OAUTH_PARAM.test(key) && (!ts.isStringLiteralLike(n.initializer) || OAUTH_VALUE.test(n.initializer.text))) unit.fact.oauth = true;
      if (given !== undefined && !(key !== undefined && REQUEST_URL_KEY.test(key))) {
        visit(n.initializer, unit, flow, d, undefined, via);
        return;
      }
    }
    if (ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind)) {
      visit(n.right, unit, flow, assignTarget(n.left, flow), given, via);
      return;
    }
    if (kind === K.JsxClosingElement || kind === K.JsxText) return;
    if (kind === K.JsxOpeningElement || kind === K.JsxSelfClosingElement) {
      visit((n as TS.JsxOpeningElement | TS.JsxSelfClosingElement).attributes, unit, flow, d, given); // not the tag's name: a component is no value kept
      return;
    }
    ts.forEachChild(n, (c) => visit(c, unit, flow, d, given, via));
  };

  const isAssignment = (k: TS.SyntaxKind): boolean =>
    k === ts.SyntaxKind.EqualsToken || k === ts.SyntaxKind.QuestionQuestionEqualsToken || k === ts.SyntaxKind.BarBarEqualsToken;

  /** where `left = ...` puts the value */
  const assignTarget = (left: TS.Expression, flow: Flow | undefined): Dest => {
    if (ts.isIdentifier(left)) {
      if (flow?.declared.has(left.text)) return { to: 'local', into: resetLocal(flow, left.text) };
      return { to: 'global', target: left.text };
    }
    if (ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left)) {
      let base: TS.Expression = left.expression;
      while (ts.isPropertyAccessExpression(base) || ts.isElementAccessExpression(base)) base = base.expression;
      const attr = ts.isPropertyAccessExpression(left) ? left.name.text : undefined;
      if (base.kind === ts.SyntaxKind.ThisKeyword) return { to: 'self', ...(attr ? { target: attr } : {}) };
      if (ts.isIdentifier(base) && flow?.locals.has(base.text)) return { to: 'local', into: flow.locals.get(base.text)! };
      if (ts.isIdentifier(base)) return { to: 'global', target: base.text };
    }
    return { to: flow ? 'local' : 'global' };
  };
  const resetLocal = (flow: Flow, name: string): UseFact[] => {
    const list: UseFact[] = [];
    flow.locals.set(name, list);
    return list;
  };

  /** The parameters' types and defaults (what a function is given), then its body. */
  const fnBody = (f: TS.SignatureDeclaration, unit: Unit): void => {
    const flow: Flow = { locals: new Map(), declared: new Set() };
    if (ts.isMethodDeclaration(f) && (ts.getModifiers(f) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) flow.returns = 'handout';
    for (const p of f.parameters) {
      if (ts.isIdentifier(p.name)) flow.declared.add(p.name.text);
      if (p.type) typeRefs(p.type, unit);
      if (p.type && ts.isIdentifier(p.name) && ts.isTypeReferenceNode(p.type) && ts.isIdentifier(p.type.typeName)) {
        const t = p.type.typeName.text;
        const origin = origins.get(t) ?? typeOrigins.get(t);
        const named = origin ? origin[0] : moduleNames.has(t) ? `.${t}` : undefined;
        if (named !== undefined) (flow.params ??= new Map()).set(p.name.text, named);
      }
      if (p.initializer) visit(p.initializer, unit, flow, { to: 'type' }, undefined);
    }
    const body = (f as { body?: TS.Node }).body;
    if (!body) return;
    if (ts.isBlock(body)) statements(body.statements, unit, flow);
    else visit(body, unit, flow, { to: flow.returns ?? 'return' }, undefined); // an arrow's expression body is its result
  };

  /** `db: DatabaseManager`: an in-repo type a function or class is given */
  const typeRefs = (t: TS.TypeNode, unit: Unit): void => {
    if (ts.isTypeReferenceNode(t)) {
      const q = ts.isIdentifier(t.typeName) ? t.typeName.text : undefined;
      if (q) record(unit, q, '', t, { to: 'type' }, true);
      return;
    }
    if (ts.isUnionTypeNode(t)) for (const x of t.types) typeRefs(x, unit);
  };

  const statements = (list: TS.NodeArray<TS.Statement>, unit: Unit, flow: Flow): void => {
    for (const st of list) statement(st, unit, flow);
  };
  const statement = (st: TS.Node, unit: Unit, flow: Flow): void => {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) {
          if (d.initializer) visit(d.initializer, unit, flow, { to: 'local' }, undefined);
          continue;
        }
        flow.declared.add(d.name.text);
        if (d.initializer) visit(d.initializer, unit, flow, { to: 'local', into: resetLocal(flow, d.name.text) }, undefined);
      }
      return;
    }
    if (ts.isReturnStatement(st)) {
      if (st.expression) visit(st.expression, unit, flow, { to: flow.returns ?? 'return' }, undefined);
      return;
    }
    if (ts.isThrowStatement(st)) {
      visit(st.expression, unit, flow, { to: 'local' }, undefined);
      return;
    }
    if (ts.isExpressionStatement(st)) {
      visit(st.expression, unit, flow, { to: 'local' }, undefined);
      return;
    }
    if (ts.isFunctionDeclaration(st)) {
      fnBody(st, unit);
      return;
    }
    if (ts.isBlock(st) || ts.isIfStatement(st) || ts.isTryStatement(st) || ts.isForStatement(st) || ts.isForOfStatement(st) || ts.isForInStatement(st) || ts.isWhileStatement(st) || ts.isDoStatement(st) || ts.isSwitchStatement(st) || ts.isLabeledStatement(st) || ts.isCaseClause(st) || ts.isDefaultClause(st) || ts.isCaseBlock(st) || ts.isCatchClause(st)) {
      ts.forEachChild(st, (c) => (ts.isExpression(c) ? visit(c, unit, flow, { to: 'local' }, undefined) : statement(c, unit, flow)));
      return;
    }
    visit(st, unit, flow, { to: 'local' }, undefined);
  };

  const classBody = (c: TS.ClassLikeDeclaration, unit: Unit): void => {
    for (const m of c.members) {
      if (ts.isPropertyDeclaration(m)) {
        const name = m.name && ts.isIdentifier(m.name) ? m.name.text : ts.isPrivateIdentifier(m.name) ? m.name.text : undefined;
        if (m.initializer) visit(m.initializer, unit, undefined, { to: 'self', ...(name ? { target: name } : {}) }, undefined);
        else if (m.type) typeRefs(m.type, unit);
      } else if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) if (p.type) typeRefs(p.type, unit);
        fnBody(m, unit);
      } else if (ts.isFunctionLike(m)) fnBody(m, unit);
      else if (ts.isClassStaticBlockDeclaration(m)) statements(m.body.statements, unit, { locals: new Map(), declared: new Set() });
    }
  };

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) continue;
    if (ts.isClassDeclaration(st)) {
      classBody(st, st.name ? newUnit('class', st.name.text, st.name) : moduleUnit);
    } else if (ts.isFunctionDeclaration(st)) {
      fnBody(st, st.name ? newUnit('function', st.name.text, st.name) : moduleUnit);
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer;
        if (!init) continue;
        const name = ts.isIdentifier(d.name) ? d.name.text : undefined;
        if (name && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) fnBody(init, newUnit('function', name, d.name));
        else visit(init, moduleUnit, undefined, { to: 'global', ...(name ? { target: name } : {}) }, undefined);
      }
    } else if (ts.isExportAssignment(st)) {
      visit(st.expression, moduleUnit, undefined, { to: 'global', target: 'default' }, undefined);
    } else {
      // module top level: what it creates lives as long as the module (`mongoose.connect(url)`)
      visit(st, moduleUnit, undefined, { to: 'global' }, undefined);
    }
  }
  const out: UnitFact[] = [];
  for (const u of units) {
    if (u.fact.uses.length === 0 && !u.fact.urls && !u.schemes) continue;
    // uses re-keyed by the flow may now repeat one another
    const byKey = new Map<string, UseFact>();
    for (const x of u.fact.uses) {
      const key = `${x.name}\0${x.to}\0${x.target ?? ''}\0${x.ref ? 1 : 0}`;
      const prev = byKey.get(key);
      if (!prev || x.line < prev.line) byKey.set(key, x);
    }
    u.fact.uses = [...byKey.values()].sort((x, y) => x.line - y.line || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    if (u.schemes) u.fact.schemes = [...u.schemes].sort();
    out.push(u.fact);
  }
  return out;
}
