/**
 * TypeScript / JavaScript adapter: source text → FileFacts, with the TypeScript compiler's parser only
 * (`createSourceFile`; no program, no type checker, no ts-morph: see README "Parsers").
 */
import { typescript, type TS } from './ts.js';
import type { FileFacts, ImportForm } from '../../facts/facts.js';
import { emptyFacts } from '../../facts/facts.js';
import { collectDeclarations } from './declarations.js';
import { collectFunctions, lineCounts } from './functions.js';
import { collectMocks, collectSuppressions } from './mocks.js';
import { collectUnits } from './units.js';
import { spend } from '../budget.js';

export function scriptKindFor(path: string): TS.ScriptKind {
  const ts = typescript();
  if (path.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (path.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.[mc]?js$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

const MOCK_CALLEES = new Set(['jest.mock', 'vi.mock', 'jest.doMock', 'vi.doMock', 'jest.requireActual', 'vi.importActual']);

/** `units: false`: no rule reads this file's units (a test file), which are then not collected */
export function extractTypeScript(text: string, path: string, opts: { units?: boolean } = {}): FileFacts {
  try {
    return parseAndExtract(text, path, opts.units !== false);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // the parser is recursive: pathological nesting overflows the stack; TypeScript's pre-processor still lists
    // the file's imports without a tree
    return preProcessed(text, e.message);
  }
}

function preProcessed(text: string, why: string): FileFacts {
  const ts = typescript();
  const facts = emptyFacts();
  const info = ts.preProcessFile(text, true, true);
  const lineOf = (pos: number): { line: number; column: number } => {
    const before = text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    return { line: before.split('\n').length, column: pos - nl - 1 };
  };
  for (const f of info.importedFiles) facts.imports.push({ module: f.fileName, names: [], ...lineOf(f.pos), forms: ['top-level'] });
  facts.diagnostics.push({ message: `too deeply nested for the parser (${why}); only its imports were read`, line: 1, column: 0 });
  facts.lines = lineCounts(text);
  return facts;
}

function parseAndExtract(text: string, path: string, units: boolean): FileFacts {
  const ts = typescript();
  const facts = emptyFacts();
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, scriptKindFor(path));
  const pos = (node: TS.Node): { line: number; column: number } => {
    const lc = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return { line: lc.line + 1, column: lc.character };
  };
  // a declaration file has no run time: everything it imports is for types only
  const declarationFile = /\.d\.[mc]?ts$/.test(path);
  const add = (specifier: TS.Expression, node: TS.Node, names: string[], forms: ImportForm[]): void => {
    if (!ts.isStringLiteralLike(specifier)) return;
    if (declarationFile && !forms.includes('type-only')) forms = ['type-only', ...forms.filter((f) => f !== 'top-level')];
    facts.imports.push({ module: specifier.text, names, ...pos(node), forms });
  };

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      const names: string[] = [];
      let typeOnly = clause?.isTypeOnly ?? false;
      if (clause) {
        if (clause.name) names.push('default');
        const nb = clause.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) names.push('*');
        else if (nb) {
          for (const el of nb.elements) names.push((el.propertyName ?? el.name).text);
          if (!clause.name && nb.elements.length > 0 && nb.elements.every((el) => el.isTypeOnly)) typeOnly = true;
        }
      }
      add(st.moduleSpecifier, st, names, [typeOnly ? 'type-only' : 'top-level']);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      const names: string[] = [];
      const ec = st.exportClause;
      if (!ec) names.push('*');
      else if (ts.isNamespaceExport(ec)) names.push('*');
      else for (const el of ec.elements) names.push((el.propertyName ?? el.name).text);
      add(st.moduleSpecifier, st, names, [st.isTypeOnly ? 'type-only' : 'top-level', 're-export']);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) {
      add(st.moduleReference.expression, st, ['default'], [st.isTypeOnly ? 'type-only' : 'top-level']);
    }
  }

  // require("x"), import("x"), jest.mock("x"): only walk the tree when the text can hold one
  if (/\b(?:require|import|mock|requireActual|importActual)\s*\(/.test(text)) {
    const visit = (node: TS.Node, inFunction: boolean): void => {
      spend();
      if (ts.isCallExpression(node) && node.arguments.length >= 1) {
        const arg = node.arguments[0]!;
        const callee = node.expression;
        if (callee.kind === ts.SyntaxKind.ImportKeyword) {
          add(arg, node, [], ['dynamic', ...(inFunction ? (['function'] as const) : [])]);
        } else if (ts.isIdentifier(callee) && callee.text === 'require' && node.arguments.length === 1) {
          add(arg, node, [], [inFunction ? 'function' : 'top-level', 'dynamic']);
        } else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
          const name = `${callee.expression.text}.${callee.name.text}`;
          if (MOCK_CALLEES.has(name)) add(arg, node, [], ['mock-target']);
        }
      }
      const fn = inFunction || ts.isFunctionLike(node);
      ts.forEachChild(node, (child) => visit(child, fn));
    };
    ts.forEachChild(sf, (child) => visit(child, false));
  }

  facts.declarations = collectDeclarations(sf, pos);
  if (units) facts.units = collectUnits(sf, pos);
  facts.functions = collectFunctions(sf);
  facts.lines = lineCounts(text);
  const found = collectMocks(sf, text);
  facts.mocks = found.mocks;
  facts.mockNotes = found.notes;
  facts.suppressions = collectSuppressions(text);

  const diags = (sf as unknown as { parseDiagnostics?: TS.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  const first = diags[0];
  if (first) {
    const lc = sf.getLineAndCharacterOfPosition(first.start);
    facts.diagnostics.push({
      message: ts.flattenDiagnosticMessageText(first.messageText, ' ') + (diags.length > 1 ? ` (and ${diags.length - 1} more)` : ''),
      line: lc.line + 1,
      column: lc.character,
    });
  }
  return facts;
}
