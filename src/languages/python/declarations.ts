/**
 * Module-level Python classes as declarations: kind (dataclass, Pydantic model, Enum, TypedDict, NamedTuple,
 * Protocol, plain class), bases, decorators and a shape (shapes.ts); and the file's import bindings, which mocks
 * and concept units qualify names through (units.ts).
 * Fed line by line by the extractor's walk, so the file is read once.
 */
import type { DeclarationFact, DeclarationKind } from '../../facts/facts.js';
import { normaliseType } from '../types.js';
import { PythonShapes } from './shapes.js';
import { dottedAt, isOp, position, Tok, tokText, type Tokens } from './tokenizer.js';

const PYDANTIC = /^(?:pydantic\.)?(?:BaseModel|BaseSettings|RootModel|GenericModel)$|^(?:sqlmodel\.)?SQLModel$|^pydantic_settings\.BaseSettings$/;
const ENUM = /^(?:enum\.)?(?:Enum|IntEnum|StrEnum|Flag|IntFlag)$/;
const TYPED_DICT = /^(?:typing(?:_extensions)?\.)?TypedDict$/;
const NAMED_TUPLE = /^(?:typing\.)?NamedTuple$/;
const PROTOCOL = /^(?:typing(?:_extensions)?\.)?Protocol(?:\[.*\])?$/;
const DATACLASS = /^(?:dataclasses\.)?dataclass$|^(?:pydantic\.dataclasses\.)?dataclass$|^attrs?\.(?:s|define|frozen|dataclass)$|^(?:define|frozen)$/;

interface OpenClass {
  decl: DeclarationFact;
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

  /** `hashes`: false when no rule reads this file's member and body hashes (OptionalFact) */
  constructor(
    private readonly toks: Tokens,
    hashes = true,
  ) {
    this.shapes = new PythonShapes(toks, hashes);
  }

  private text(i: number): string {
    return tokText(this.toks, i);
  }
  private isOp(i: number, op: string): boolean {
    return isOp(this.toks, i, op);
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
    };
    this.declarations.push(decl);
    this.shapes.begin(decl, ranges, a, colon);
    this.current = { decl };
    this.open.push(this.current);
  }

  endClass(): void {
    this.current = undefined;
    this.shapes.end();
  }

  /** The declarations, their members sorted. */
  finish(): DeclarationFact[] {
    this.shapes.finish(this.bindings);
    for (const c of this.open) c.decl.members.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
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
