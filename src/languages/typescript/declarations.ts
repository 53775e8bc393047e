/**
 * TypeScript declarations: interfaces, type aliases, enums and classes at the top level of a
 * file (also inside `declare module`/namespaces is not collected: those describe other code).
 */
import type { DeclarationFact, MemberFact } from '../../facts/facts.js';
import { normaliseType } from '../types.js';
import { typescript, type TS } from './ts.js';
import { spend } from '../budget.js';

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
  const members = (list: TS.NodeArray<TS.TypeElement | TS.ClassElement>): MemberFact[] => {
    const out: MemberFact[] = [];
    for (const m of list) {
      if (ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) {
        const name = memberName(m.name);
        if (name !== undefined) out.push({ name, type: normaliseType(text(m.type)), ...(m.questionToken ? { optional: true } : {}) });
      } else if (ts.isMethodSignature(m) || ts.isMethodDeclaration(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m)) {
        const name = memberName(m.name);
        if (name !== undefined && !out.some((o) => o.name === name)) out.push({ name, type: 'method' });
      } else if (ts.isIndexSignatureDeclaration(m)) {
        out.push({ name: '[index]', type: normaliseType(text(m.type)) });
      } else if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) {
          const isProp = (ts.getModifiers(p) ?? []).some((mod) =>
            [ts.SyntaxKind.PublicKeyword, ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.ReadonlyKeyword].includes(mod.kind),
          );
          const name = memberName(p.name);
          if (isProp && name !== undefined) out.push({ name, type: normaliseType(text(p.type)) });
        }
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
        members: st.members.map((m) => ({ name: memberName(m.name) ?? text(m.name), type: normaliseType(text(m.initializer)) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
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
