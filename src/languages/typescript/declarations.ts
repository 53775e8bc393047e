/**
 * TypeScript declarations: interfaces, type aliases, enums and classes at the top level of a
 * file (also inside `declare module`/namespaces is not collected: those describe other code).
 */
import type { DeclarationFact, MemberFact } from '../../facts/facts.js';
import { normaliseType } from '../types.js';
import { typescript, type TS } from './ts.js';

export function collectDeclarations(sf: TS.SourceFile, pos: (n: TS.Node) => { line: number; column: number }): DeclarationFact[] {
  const ts = typescript();
  const text = (n: TS.Node | undefined): string => (n ? n.getText(sf) : '');
  const exportedLater = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) exportedLater.add((el.propertyName ?? el.name).text);
    }
  }
  const isExported = (node: TS.Node, name: string): boolean =>
    exportedLater.has(name) || (ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword));
  const memberName = (n: TS.PropertyName | TS.BindingName | undefined): string | undefined => {
    if (!n) return undefined;
    if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n) || ts.isPrivateIdentifier(n)) return n.text;
    return text(n);
  };
  const heritage = (clauses: TS.NodeArray<TS.HeritageClause> | undefined): string[] =>
    (clauses ?? []).flatMap((h) => h.types.map((t) => normaliseType(text(t.expression))));
  /** a method's parameters and return type as a hash of their text (white space aside): two signatures differ
   * when they are written differently */
  const signature = (m: TS.SignatureDeclarationBase): string => `sig:${textHash(sf.text, m.parameters.pos, (m.type ?? m.parameters).end)}`;
  const members = (list: TS.NodeArray<TS.TypeElement | TS.ClassElement>): MemberFact[] => {
    const out: MemberFact[] = [];
    for (const m of list) {
      if (ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) {
        const name = memberName(m.name);
        if (name === undefined) continue;
        const f: MemberFact = { name, type: normaliseType(text(m.type)), ...(m.questionToken ? { optional: true } : {}) };
        if (ts.isPropertyDeclaration(m) && m.initializer) f.value = value(m.initializer);
        out.push(f);
      } else if (ts.isMethodSignature(m) || ts.isMethodDeclaration(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m)) {
        const name = memberName(m.name);
        if (name === undefined) continue;
        const prev = out.find((o) => o.name === name);
        // a body (class methods) is compared by its text without formatting
        const hash = ts.isMethodSignature(m) ? undefined : textHash(sf.text, m.getStart(sf), m.end, prev?.hash);
        if (prev) {
          if (hash) prev.hash = hash;
          continue;
        }
        const sig = ts.isGetAccessor(m) || ts.isSetAccessor(m) ? `${ts.isGetAccessor(m) ? 'get' : 'set'}${signature(m)}` : signature(m);
        out.push({ name, type: sig, kind: 'method', ...(hash ? { hash } : {}) });
      } else if (ts.isIndexSignatureDeclaration(m)) {
        out.push({ name: '[index]', type: normaliseType(text(m.type)) });
      } else if (ts.isConstructorDeclaration(m)) {
        if (m.body) out.push({ name: 'constructor', type: signature(m), kind: 'method', hash: textHash(sf.text, m.getStart(sf), m.end) });
        for (const p of m.parameters) {
          const isProp = (ts.getModifiers(p) ?? []).some((mod) =>
            [ts.SyntaxKind.PublicKeyword, ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.ReadonlyKeyword].includes(mod.kind),
          );
          const name = memberName(p.name);
          if (isProp && name !== undefined) out.push({ name, type: normaliseType(text(p.type)), kind: 'attribute' });
        }
      } else if (ts.isCallSignatureDeclaration(m) || ts.isConstructSignatureDeclaration(m)) {
        out.push({ name: ts.isCallSignatureDeclaration(m) ? '[call]' : '[new]', type: signature(m), kind: 'method' });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  const value = (e: TS.Node): string => {
    const v = text(e).replace(/\s+/g, ' ');
    return v.length <= 120 ? v : `${v.slice(0, 100)}…#${textHash(v, 0, v.length)}`;
  };
  const out: DeclarationFact[] = [];
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) {
      out.push({
        name: st.name.text,
        kind: 'interface',
        ...pos(st.name),
        bases: heritage(st.heritageClauses),
        decorators: [],
        exported: isExported(st, st.name.text),
        members: members(st.members),
      });
    } else if (ts.isTypeAliasDeclaration(st)) {
      const d: DeclarationFact = { name: st.name.text, kind: 'type-alias', ...pos(st.name), bases: [], decorators: [], exported: isExported(st, st.name.text), members: [] };
      const t = st.type;
      if (ts.isTypeLiteralNode(t)) d.members = members(t.members);
      else if (ts.isTypeReferenceNode(t) || ts.isImportTypeNode(t)) d.aliasOf = normaliseType(text(t));
      else if (ts.isIntersectionTypeNode(t) && t.types.every((x) => ts.isTypeLiteralNode(x) || ts.isTypeReferenceNode(x))) {
        d.bases = t.types.filter(ts.isTypeReferenceNode).map((x) => normaliseType(text(x)));
        d.members = members(ts.factory.createNodeArray(t.types.filter(ts.isTypeLiteralNode).flatMap((x) => [...x.members])));
      } else d.typeText = normaliseType(text(t));
      out.push(d);
    } else if (ts.isEnumDeclaration(st)) {
      out.push({
        name: st.name.text,
        kind: 'ts-enum',
        ...pos(st.name),
        bases: [],
        decorators: [],
        exported: isExported(st, st.name.text),
        members: st.members
          .map((m): MemberFact => ({ name: memberName(m.name) ?? text(m.name), type: '', kind: 'value', ...(m.initializer ? { value: value(m.initializer) } : {}) }))
          .sort((a, b) => (a.name < b.name ? -1 : 1)),
      });
    } else if (ts.isClassDeclaration(st) && st.name) {
      out.push({
        name: st.name.text,
        kind: 'ts-class',
        ...pos(st.name),
        bases: heritage(st.heritageClauses),
        decorators: (ts.getDecorators(st) ?? []).map((d) => normaliseType(text(d.expression).replace(/\(.*$/s, ''))),
        exported: isExported(st, st.name.text),
        members: members(st.members),
      });
    }
  }
  return out;
}

/** A hash of text [start, end) with its runs of white space made one space; `prev` continues another hash. */
function textHash(t: string, start: number, end: number, prev?: string): string {
  let h = 0x811c9dc5;
  let n = 0;
  if (prev) {
    const [hi, lo] = prev.split('.').map((x) => parseInt(x, 36)) as [number, number];
    h = (hi << 4) | (lo >>> 21);
    n = lo & 0x1fffff;
  }
  let space = false;
  for (let i = start; i < end; i++) {
    let c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (space) continue;
      space = true;
      c = 32;
    } else space = false;
    h = Math.imul(h ^ c, 0x01000193);
    n++;
  }
  return `${(h >>> 4).toString(36)}.${(((h & 15) << 21) | (n & 0x1fffff)).toString(36)}`;
}
