/**
 * Module-level Python classes as declarations: kind (dataclass, Pydantic model, Enum, TypedDict, NamedTuple,
 * Protocol, plain class), bases, decorators, a shape (shapes.ts), and the signals
 * concept detection needs (what the class calls, qualified through the file's imports; auth-looking URLs).
 * Fed line by line by the extractor's walk, so the file is read once.
 */
import type { DeclarationFact, DeclarationKind } from '../../facts/facts.js';
import { normaliseType } from '../types.js';
import { PythonShapes } from './shapes.js';
import { dottedAt, isName, isOp, plainStringValue, position, Tok, tokText, type Tokens } from './tokenizer.js';

const PYDANTIC = /^(?:pydantic\.)?(?:BaseModel|BaseSettings|RootModel|GenericModel)$|^(?:sqlmodel\.)?SQLModel$|^pydantic_settings\.BaseSettings$/;
const ENUM = /^(?:enum\.)?(?:Enum|IntEnum|StrEnum|Flag|IntFlag)$/;
const TYPED_DICT = /^(?:typing(?:_extensions)?\.)?TypedDict$/;
const NAMED_TUPLE = /^(?:typing\.)?NamedTuple$/;
const PROTOCOL = /^(?:typing(?:_extensions)?\.)?Protocol(?:\[.*\])?$/;
const DATACLASS = /^(?:dataclasses\.)?dataclass$|^(?:pydantic\.dataclasses\.)?dataclass$|^attrs?\.(?:s|define|frozen|dataclass)$|^(?:define|frozen)$/;
const AUTH_URL = /\/(?:api\/)?(?:auth|oauth2?|token|login|session|jwks)s?\b/i;

interface OpenClass {
  decl: DeclarationFact;
  /** calls as token ranges [first, last] of their dotted name; texts are built in finish(), for bound heads only */
  calls: number[];
  urls: Set<string>;
}

export class PythonClassCollector {
  readonly declarations: DeclarationFact[] = [];
  /** local name → what it names (`np` → `numpy`, `create_engine` → `sqlalchemy.create_engine`) */
  readonly bindings = new Map<string, string>();
  private current: OpenClass | undefined;
  private readonly open: OpenClass[] = [];
  private decorators: string[] = [];
  /** the pending decorators' token ranges, for the shape's hash */
  private decoratorRanges: number[] = [];
  /** the classes' shapes: members, types, defaults, hashes */
  readonly shapes: PythonShapes;

  constructor(private readonly toks: Tokens) {
    this.shapes = new PythonShapes(toks);
  }

  private text(i: number): string {
    return tokText(this.toks, i);
  }
  private isOp(i: number, op: string): boolean {
    return isOp(this.toks, i, op);
  }
  private isKeyword(i: number): boolean {
    return isName(this.toks, i, 'def') || isName(this.toks, i, 'class');
  }
  private dotted(i: number, b: number): { name: string; next: number } {
    return dottedAt(this.toks, i, b);
  }

  /** A module-level decorator line `@x.y(...)`. */
  decorator(a: number, b: number): void {
    const { name } = this.dotted(a + 1, b);
    if (name) this.decorators.push(name);
    this.decoratorRanges.push(a, b);
  }

  /** Any module-level line that is not a decorator ends the pending decorators. */
  clearDecorators(): void {
    this.decorators = [];
    this.decoratorRanges = [];
  }

  /** `class Name(bases):` at module level (or in a module-level `if`/`try`/`with` block), header tokens [a, colon). */
  beginClass(a: number, colon: number): void {
    this.current = undefined;
    const nameTok = a + 1;
    if (this.toks.type[nameTok] !== Tok.Name) return;
    const name = this.text(nameTok);
    const bases: string[] = [];
    if (this.isOp(nameTok + 1, '(')) {
      let depth = 0;
      let start = nameTok + 2;
      for (let i = nameTok + 1; i < colon; i++) {
        if (this.toks.type[i] !== Tok.Op) continue;
        const t = this.text(i);
        if (t === '(' || t === '[' || t === '{') depth++;
        else if (t === ')' || t === ']' || t === '}') depth--;
        if ((t === ',' && depth === 1) || depth === 0) {
          if (i > start && !this.isOp(start + 1, '=')) bases.push(normaliseType(this.toks.text.slice(this.toks.start[start]!, this.toks.end[i - 1]!)));
          start = i + 1;
        }
        if (depth === 0) break;
      }
    }
    const decorators = this.decorators;
    const ranges = this.decoratorRanges;
    this.decorators = [];
    this.decoratorRanges = [];
    const decl: DeclarationFact = {
      name,
      kind: classKind(bases, decorators),
      ...position(this.toks, this.toks.start[nameTok]!),
      bases,
      decorators,
      exported: !name.startsWith('_'),
      members: [],
      signals: [],
    };
    this.declarations.push(decl);
    this.shapes.begin(decl, ranges, a, colon);
    this.current = { decl, calls: [], urls: new Set() };
    this.open.push(this.current);
  }

  endClass(): void {
    this.current = undefined;
    this.shapes.end();
  }

  /** Any line inside the class, at any depth: collect calls and auth-looking URLs. */
  signals(a: number, b: number): void {
    const c = this.current;
    if (!c) return;
    const t = this.toks;
    // how deep the scan is in the arguments of calls: a URL counts only as something a call is given
    let callDepth = 0;
    const opens: boolean[] = [];
    const src = t.text;
    // the character of a one-character operator token, else 0
    const op1 = (i: number): number => (t.type[i] === Tok.Op && t.end[i]! - t.start[i]! === 1 ? src.charCodeAt(t.start[i]!) : 0);
    for (let i = a; i < b; i++) {
      const ty = t.type[i];
      if (ty === Tok.Op) {
        const c = op1(i);
        if (c === 40 || c === 91 || c === 123) {
          const call = c === 40 && i > a && (t.type[i - 1] === Tok.Name || op1(i - 1) === 41);
          opens.push(call);
          if (call) callDepth++;
        } else if (c === 41 || c === 93 || c === 125) {
          if (opens.pop()) callDepth--;
        }
        continue;
      }
      if (ty === Tok.String) {
        if (callDepth === 0) continue;
        // a plain literal, or an f-string's text (`f"{base}/auth/validate"`)
        const raw = this.text(i);
        const v = plainStringValue(raw) ?? (/^[rR]?[fF]|^[fF][rR]/.test(raw) ? raw.replace(/^[A-Za-z]*(['"]{1,3})|(['"]{1,3})$/g, '') : undefined);
        if (v && v.length < 200 && AUTH_URL.test(v)) c.urls.add(v);
        continue;
      }
      if (ty !== Tok.Name || (i > a && (op1(i - 1) === 46 || this.isKeyword(i - 1)))) continue;
      // the end of the dotted name `a.b.c` first: only a call needs its text
      let j = i;
      while (j + 2 < b && op1(j + 1) === 46 && t.type[j + 2] === Tok.Name) j += 2;
      if (j + 1 < b && op1(j + 1) === 40) c.calls.push(i, j + 1);
      i = j; // the '(' itself is seen next, by the bracket count
    }
  }

  /** Qualify every class's calls through the file's imports (known only at the end of the file). */
  finish(): DeclarationFact[] {
    this.shapes.finish(this.bindings);
    for (const c of this.open) {
      const out = new Set<string>();
      for (let k = 0; k < c.calls.length; k += 2) {
        // most calls are of local names (self.x(), helper()): no string for them but their head
        if (!this.bindings.has(this.text(c.calls[k]!))) continue;
        const call = this.dotted(c.calls[k]!, c.calls[k + 1]!).name;
        const dot = call.indexOf('.');
        const head = dot < 0 ? call : call.slice(0, dot);
        const bound = this.bindings.get(head);
        // only what the file imports can name a library API: local names and builtins are no signal
        if (!bound) continue;
        out.add(bound + (dot < 0 ? '' : call.slice(dot)));
      }
      for (const u of c.urls) out.add(`url:${u}`);
      c.decl.members.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      c.decl.signals = [...out].sort();
    }
    return this.declarations;
  }
}

function classKind(bases: string[], decorators: string[]): DeclarationKind {
  if (decorators.some((d) => DATACLASS.test(d))) return 'dataclass';
  for (const b of bases) {
    if (PYDANTIC.test(b)) return 'pydantic-model';
    if (ENUM.test(b)) return 'enum';
    if (TYPED_DICT.test(b)) return 'typed-dict';
    if (NAMED_TUPLE.test(b)) return 'named-tuple';
    if (PROTOCOL.test(b)) return 'protocol';
  }
  return 'class';
}
