import type { DeclarationFact, FunctionFact } from '../../src/facts/facts.js';
import type { ScannedFile } from '../../src/engine/index.js';
import { defineRule } from '../../src/engine/rule.js';
import { isMigration } from '../shared.js';

/** how each placeholder form reads in a message */
const FORM: Record<NonNullable<FunctionFact['stub']>, string> = {
  pass: 'its body is only `pass`',
  ellipsis: 'its body is only `...`',
  'not-implemented': 'it only raises a "not implemented" error',
  'todo-return': 'its body is only a `return` marked TODO',
};

/** `Base`, `pkg.Base`, `Base[T]`, `Base<T>` → `Base` */
const simpleName = (base: string): string => base.replace(/[[<].*$/s, '').split('.').pop()!.trim();

export default defineRule({
  meta: {
    id: 'stub-in-production',
    category: 'hygiene',
    defaultSeverity: 'warning',
    summary:
      'Production code that is a placeholder (an empty or NotImplementedError body that nothing overrides and nothing documents as a hook or no-op, a TODO return) or that creates mocks.',
    // overrides are looked for in every file's classes
    reads: ['functions', 'declarations', 'imports', 'mocks'],
  },
  run(ctx) {
    let subclasses: Map<string, DeclarationFact[]> | undefined;
    let byName: Map<string, DeclarationFact[]> | undefined;
    /** every class of the repo, by its name and by the names of its bases (built on the first question) */
    const classes = (): { subclasses: Map<string, DeclarationFact[]>; byName: Map<string, DeclarationFact[]> } => {
      if (!subclasses || !byName) {
        subclasses = new Map();
        byName = new Map();
        const add = (map: Map<string, DeclarationFact[]>, key: string, d: DeclarationFact): void => {
          let list = map.get(key);
          if (!list) map.set(key, (list = []));
          list.push(d);
        };
        for (const f of ctx.index.files) {
          for (const d of f.facts.declarations) {
            add(byName, d.name, d);
            for (const b of d.bases) add(subclasses, simpleName(b), d);
          }
        }
      }
      return { subclasses, byName };
    };
    /**
     * Breadth first over the repo's classes from `start` (depth 0): `step` gives the declarations a name leads to
     * (its own, or its subclasses), `next` the names each declaration leads on to; whether `hit` holds for one.
     */
    const reaches = (start: string, step: (name: string) => readonly DeclarationFact[] | undefined, next: (d: DeclarationFact) => string[], hit: (d: DeclarationFact, depth: number) => boolean): boolean => {
      const seen = new Set([start]);
      let level = [start];
      for (let depth = 0; level.length > 0; depth++) {
        const following: string[] = [];
        for (const name of level) {
          for (const d of step(name) ?? []) {
            if (hit(d, depth)) return true;
            for (const n of next(d)) {
              if (seen.has(n)) continue;
              seen.add(n);
              following.push(n);
            }
          }
        }
        level = following;
      }
      return false;
    };
    const ownDeclarations = (name: string): readonly DeclarationFact[] | undefined => classes().byName.get(name);
    const bases = (d: DeclarationFact): string[] => d.bases.map(simpleName);
    const defines = (d: DeclarationFact, method: string): boolean => d.members.some((m) => m.name === method && m.kind === 'method');
    /** whether a class of the repo derives, at any depth, from ABC or a Protocol */
    const abstractClass = (cls: string): boolean => reaches(cls, ownDeclarations, bases, (d) => d.kind === 'protocol' || bases(d).some((b) => b === 'ABC' || b === 'Protocol'));
    /** whether a class of the repo that `cls` derives from (at any depth) defines `method`: an empty override
     * turns the inherited behaviour off on purpose */
    const overrides = (cls: string, method: string): boolean => reaches(cls, ownDeclarations, bases, (d, depth) => depth > 0 && defines(d, method));
    /** whether a class of the repo that derives from `cls` (at any depth) defines `method` */
    const overridden = (cls: string, method: string): boolean =>
      reaches(cls, (name) => classes().subclasses.get(name), (d) => [d.name], (d) => defines(d, method));

    for (const file of ctx.index.targets) {
      if (file.test || !file.service) continue;
      const migration = isMigration(file);
      // a class with an abstract method (declared, or said so by its texts) is an abstract context: its other empty
      // methods are contracts too
      const ownerOf = (name: string): string | undefined => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined);
      const abstractOwners = new Set(file.facts.functions.filter((f) => f.abstract).map((f) => ownerOf(f.name)));
      for (const fn of file.facts.functions) {
        if (!fn.stub || fn.abstract || migration) continue;
        const placeholder = fn.intent === 'placeholder' || fn.stub === 'todo-return';
        if (!placeholder) {
          if (fn.intent === 'deliberate') continue;
          if (fn.stub !== 'not-implemented') {
            // a constructor that takes nothing has nothing to do; a context manager's exit, nothing to release
            if (/(?:^|\.)(?:__init__|constructor)$/.test(fn.name) && fn.params === 0) continue;
            if (/(?:^|\.)__a?exit__$/.test(fn.name)) continue;
          }
          // a default that a subclass replaces is a hook (or, raising, an abstract method); an empty override turns
          // a base's behaviour off; `...` in a class that derives from ABC or a Protocol is a contract
          if (ownerOf(fn.name) !== undefined && abstractOwners.has(ownerOf(fn.name))) continue;
          const parts = fn.name.split('.');
          if (parts.length === 2 && file.facts.declarations.some((d) => d.name === parts[0]) && (overridden(parts[0]!, parts[1]!) || overrides(parts[0]!, parts[1]!) || (fn.stub === 'ellipsis' && abstractClass(parts[0]!)))) continue;
        }
        const why = placeholder
          ? 'and it is marked unfinished (TODO, "not implemented yet", "for now")'
          : fn.stub === 'not-implemented'
            ? 'outside an abstract class, and no class in the repo overrides it'
            : 'no class in the repo overrides it, it overrides no method of a base class, and no docstring, comment or decorator declares it a hook or a deliberate no-op';
        ctx.report({
          path: file.path,
          line: fn.line,
          column: 0,
          subject: fn.name,
          message: `${fn.name} is a placeholder: ${FORM[fn.stub]}, ${why}`,
          help: 'Implement it, or say what it is: mark it abstract (@abstractmethod, a Protocol) if subclasses must implement it, or document a deliberate no-op in its docstring.',
        });
      }
      for (const m of file.facts.mocks) {
        ctx.report({
          path: file.path,
          line: m.line,
          column: m.column,
          subject: `mock:${m.target ?? m.kind}`,
          message: `production code creates a mock, ${m.call}`,
          help: 'Ship a real implementation or a null object, not a test double.',
        });
      }
    }
  },
  // every file's classes, for their bases and methods' names, never their hashes
  readsIn: () => ({ hashes: false }),
});
