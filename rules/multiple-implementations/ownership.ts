/**
 * Roles by ownership (DESIGN §4). A candidate is a class, or a module's own code (its top-level statements and
 * module-level functions, grouped); its role for a concept's variant comes from what its code does:
 * - owner-direct: it calls a driver and keeps the result (on self, in a module global or cache, or hands it out
 *   from a factory); for a `logic` concept, it does the work itself (decodes a token, calls an auth endpoint);
 * - owner-composed: it builds its own instance of an in-repo owner class and keeps it;
 * - consumer: it uses an owner it did not create: an imported singleton or global, a factory's result, a parameter
 *   typed with an owner class, a method of an owner;
 * - transient: it creates a client (or an owner's instance) inside one function and drops it.
 * In-repo names are followed through imports (and re-exports), across files and services.
 */
import { KEPT, type FileFacts, type UnitFact, type UseFact } from '../../src/facts/facts.js';
import type { ProjectIndex, ScannedFile } from '../../src/engine/index.js';
import type { Concept, SignalPattern } from './concepts.js';
import { migrationImport } from '../shared.js';

export type Role = 'owner-direct' | 'owner-composed' | 'consumer' | 'transient';
const RANK: Record<Role, number> = { 'owner-direct': 4, 'owner-composed': 3, consumer: 2, transient: 1 };

export interface Candidate {
  file: ScannedFile;
  kind: 'class' | 'module';
  /** the class's name, or the module file's name */
  name: string;
  line: number;
  column: number;
  units: UnitFact[];
  /** one function or global of a module, looked at on its own (what using it means) */
  part?: true;
}

export interface Finding {
  role: Role;
  evidence: string[];
  /** the first line of the evidence that gave the role (a module's location) */
  line: number;
  /** for a consumer: what it uses */
  via?: Candidate[];
  /** for an owner-composed: the in-repo owner classes it builds and keeps its own instances of */
  builds?: Candidate[];
}

/** the variant findings of one candidate: variant → its role and evidence */
type Roles = Map<string, Finding>;

const LIFECYCLE = /^_*(?:a?connect|disconnect|reconnect|a?close|dispose|shutdown|cleanup|health_?check|ping|quit|destroy|\$connect|\$disconnect|(?:init|create|get)_?pool|pool_?(?:size|status|stats))$/i;
const HTTP_VERB = /^(?:get|post|put|patch|delete|request|fetch|head|options|stream|\$fetch|useFetch)$/i;
/** a URL with a literal public host of its own (not localhost, not a single-label service name, not a placeholder) */
const PUBLIC_HOST = /^(?:https?:)?\/\/(?!localhost\b|127\.|0\.0\.0\.0|\[::1\])[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?(?:\/|$)/i;
const MAX_EVIDENCE = 6;
/** a redirect target (where a provider sends the browser back), never an endpoint the code calls */
const CALLBACK = /\/callback\b/i;

/** Globs over qualified names, indexed by their leading word, returning what each glob was added with. */
class Matcher<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly byHead = new Map<string, { re: RegExp; value: T }[]>();
  private readonly loose: { re: RegExp; value: T }[] = [];

  add(glob: string, value: T): void {
    if (!/[*?]/.test(glob)) {
      const list = this.exact.get(glob) ?? [];
      list.push(value);
      this.exact.set(glob, list);
      return;
    }
    const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const head = /^[\w@$]+/.exec(glob)?.[0];
    if (head && head.length < glob.indexOf('*') + (glob.includes('?') ? 0 : 1) && !glob.startsWith('*')) {
      const list = this.byHead.get(head) ?? [];
      list.push({ re, value });
      this.byHead.set(head, list);
    } else this.loose.push({ re, value });
  }

  private readonly memo = new Map<string, T[]>();

  /** what the globs matching a name were added with (memoised: a repo calls the same names over and over) */
  match(name: string): T[] {
    let out = this.memo.get(name);
    if (!out) this.memo.set(name, (out = this.compute(name)));
    return out;
  }

  private compute(name: string): T[] {
    const out: T[] = [];
    const e = this.exact.get(name);
    if (e) out.push(...e);
    const head = /^[\w@$]+/.exec(name)?.[0];
    const list = head ? this.byHead.get(head) : undefined;
    if (list) for (const g of list) if (g.re.test(name)) out.push(g.value);
    for (const g of this.loose) if (g.re.test(name)) out.push(g.value);
    return out;
  }
}

/** A concept compiled for matching: single-glob signals per use, all-of signals per unit. */
interface Compiled {
  concept: Concept;
  logic: boolean;
  drivers: Matcher<string>;
  generic: Matcher<true>;
  support: Matcher<true>;
  /** all-of alternatives (an array entry), per variant */
  combos: { variant: string; globs: ((s: string) => boolean)[]; text: string[] }[];
  bases: ((s: string) => boolean)[];
  /** class → `rest` → the driver class it extends (null: none), memoised */
  bases2: Map<Candidate, Map<string, { variant: string; base: string } | null>>;
}

function globFn(glob: string): (s: string) => boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (s) => re.test(s);
}

export function compileConcept(concept: Concept): Compiled {
  const drivers = new Matcher<string>();
  const combos: Compiled['combos'] = [];
  for (const [variant, pats] of Object.entries(concept.variants)) {
    for (const p of pats as SignalPattern[]) {
      if (Array.isArray(p)) {
        if (p.length === 1) drivers.add(p[0]!, variant);
        else combos.push({ variant, globs: p.map(globFn), text: p });
      } else drivers.add(p, variant);
    }
  }
  const generic = new Matcher<true>();
  for (const g of concept.generic ?? []) generic.add(g, true);
  const support = new Matcher<true>();
  for (const g of concept.support ?? []) support.add(g, true);
  return { concept, logic: concept.kind === 'logic', drivers, generic, support, combos, bases: (concept.bases ?? []).map(globFn), bases2: new Map() };
}

/** What a module-level name of a file is: a class, a function, or a global and the uses whose value it keeps. */
interface Model {
  file: ScannedFile;
  classes: Map<string, Candidate>;
  functions: Set<string>;
  globals: Map<string, UseFact[]>;
  module: Candidate | undefined;
}

/** Where a use leads in the repo: a file's model and the module-level name there, and what follows it. */
interface Target {
  model: Model;
  symbol: string;
  rest: string;
}

export interface Analysis {
  /** concept → variant → candidate → finding */
  roles(conceptName: string): Map<Candidate, Roles>;
  candidatesOf(file: ScannedFile): Candidate[];
}

/**
 * The analysis of one scan: models of the files it reaches, resolution of uses, and each concept's roles per
 * candidate (memoised: a candidate's role may be asked for by the candidates that use it).
 */
export class Ownership {
  private readonly models = new Map<string, Model | null>();
  private readonly pyResolved = new Map<string, Target | null>();
  private readonly tsResolved = new Map<ScannedFile, Map<string, Target | null>>();
  private readonly compiled = new Map<string, Compiled>();
  private readonly roleMemo = new Map<string, Map<Candidate, Roles | 'busy'>>();
  private readonly serviceSql = new Map<string, Set<string>>();
  /** concept → owner class → the modules that hold an instance of it in a global */
  private readonly held = new Map<string, Map<Candidate, Set<Candidate>>>();
  /** synthetic candidates for one function or one global of a module (what using it means) */
  private readonly parts = new Map<Model, Map<string, Candidate>>();
  /** classes declared without a unit, by file and name (null: none) */
  private readonly declared = new Map<Model, Map<string, Candidate | null>>();

  /** What keeps an instance of an owner class: module globals (its singletons) and classes that build one. */
  holders(conceptName: string, cls: Candidate): Set<Candidate> {
    let byClass = this.held.get(conceptName);
    if (!byClass) this.held.set(conceptName, (byClass = new Map()));
    let set = byClass.get(cls);
    if (!set) byClass.set(cls, (set = new Set()));
    return set;
  }

  /** concept → keeper → the owner classes whose one instance it keeps / of which it keeps another instance */
  private readonly settled = new Map<string, { home: Map<Candidate, Set<Candidate>>; extra: Map<Candidate, Set<Candidate>> }>();

  /**
   * The keepers of an owner class's instances: when its own module keeps one (a singleton), every other keeper keeps
   * another instance, an owner-composed; otherwise the first keeper (a module global before a class, then by path)
   * keeps the one instance and is a consumer, and the others are owner-composed. So a class built once, by its one
   * user or its one singleton, is one owner, not two. Call once every candidate of the concept has its role: the
   * roles are then decided again, knowing the keepers (what uses a keeper sees its settled role).
   */
  settleKeepers(conceptName: string): void {
    const home = new Map<Candidate, Set<Candidate>>();
    const extra = new Map<Candidate, Set<Candidate>>();
    const add = (m: Map<Candidate, Set<Candidate>>, k: Candidate, cls: Candidate): void => {
      let set = m.get(k);
      if (!set) m.set(k, (set = new Set()));
      set.add(cls);
    };
    for (const [cls, keepers] of this.held.get(conceptName) ?? []) {
      const sorted = [...keepers].sort(
        (a, b) => (a.kind === b.kind ? 0 : a.kind === 'module' ? -1 : 1) || (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.line - b.line),
      );
      const first = this.ownSingleton(cls) ? undefined : sorted[0];
      for (const k of sorted) add(k === first ? home : extra, k, cls);
    }
    this.settled.set(conceptName, { home, extra });
    this.held.delete(conceptName);
    // decided again: the keepers, and what uses them
    const memo = this.roleMemo.get(conceptName);
    if (!memo) return;
    const keepers = new Set([...home.keys(), ...extra.keys()]);
    for (const [cand, roles] of memo) {
      if (keepers.has(cand) || (roles !== 'busy' && [...roles.values()].some((f) => f.via?.some((v) => keepers.has(v))))) memo.delete(cand);
    }
  }

  /** Whether the class's own module keeps an instance of it in a global (`redis_manager = RedisManager()`). */
  ownSingleton(cls: Candidate): boolean {
    const m = this.model(cls.file.path);
    return (m?.module?.units ?? []).some((u) => u.uses.some((x) => !x.ref && x.name === `.${cls.name}` && x.to === 'global'));
  }

  constructor(
    private readonly index: ProjectIndex,
    private readonly concepts: Record<string, Concept>,
  ) {}

  /** The candidates of a file: its classes with units, and its module code if it has any. */
  candidatesOf(file: ScannedFile): Candidate[] {
    const m = this.model(file.path);
    if (!m) return [];
    return [...m.classes.values(), ...(m.module ? [m.module] : [])];
  }

  model(path: string): Model | undefined {
    let m = this.models.get(path);
    if (m !== undefined) return m ?? undefined;
    const file = this.index.byPath.get(path);
    m = file ? buildModel(file) : null;
    this.models.set(path, m);
    return m ?? undefined;
  }

  private compiledOf(name: string): Compiled {
    let c = this.compiled.get(name);
    if (!c) this.compiled.set(name, (c = compileConcept(this.concepts[name]!)));
    return c;
  }

  /** The role of each variant of a concept a candidate has (empty: none). */
  rolesOf(conceptName: string, cand: Candidate): Roles {
    let memo = this.roleMemo.get(conceptName);
    if (!memo) this.roleMemo.set(conceptName, (memo = new Map()));
    const known = memo.get(cand);
    if (known === 'busy') return new Map(); // a cycle: what is being decided owns nothing yet
    if (known) return known;
    memo.set(cand, 'busy');
    const roles = this.decide(conceptName, cand);
    memo.set(cand, roles);
    return roles;
  }

  private decide(conceptName: string, cand: Candidate): Roles {
    const c = this.compiledOf(conceptName);
    const roles: Roles = new Map();
    const note = (variant: string, role: Role, evidence: string, line: number, via?: Candidate): void => {
      let f = roles.get(variant);
      if (via) {
        if (!f) roles.set(variant, (f = { role, evidence: [], line }));
        (f.via ??= []).push(via);
        if (f.evidence.length === 0) {
          f.evidence.push(evidence);
          return;
        }
      }
      if (!f) {
        roles.set(variant, { role, evidence: [evidence], line });
        return;
      }
      if (RANK[role] > RANK[f.role]) {
        f.role = role;
        f.line = line;
        f.evidence.unshift(evidence);
      } else if (!f.evidence.includes(evidence)) f.evidence.push(evidence);
    };
    const supports: string[] = [];
    const decl = cand.kind === 'class' ? declOf(cand) : undefined;
    // for a logic concept, a class that extends a signal's class does the work itself (an identity provider's SDK
    // class, subclassed)
    if (decl && c.logic) {
      const ext = this.driverBase(c, cand);
      if (ext) note(ext.variant, 'owner-direct', `extends ${ext.base}`, cand.line);
    }
    // a user concept's base classes
    if (decl && c.bases.length > 0) {
      for (const b of decl.bases) {
        if (c.bases.some((m) => m(b) || m(b.split('.').pop()!))) for (const v of Object.keys(c.concept.variants)) note(v, 'owner-direct', `extends ${b}`, cand.line);
      }
    }
    for (const unit of cand.units) {
      const signals: string[] = [];
      for (const use of unit.uses) {
        if (!use.ref) signals.push(use.name);
        if (use.ref && use.to !== 'type') {
          this.inRepo(conceptName, c, cand, use, note, roles);
          continue;
        }
        const variants = this.driverVariants(c, cand, unit, use);
        if (variants.length > 0) {
          for (const v of variants) {
            const role: Role = use.to === 'type' ? 'consumer' : c.logic || KEPT.has(use.to) ? 'owner-direct' : 'transient';
            // a logic concept's token call keyed by a named secret reads that secret's tokens: one implementation
            // of their handling, apart from those of other secrets (a variant of its own: `auth` + KEY_SEP + key)
            const keyed = c.logic && use.key !== undefined && !use.ref;
            note(keyed ? `${v}${KEY_SEP}${use.key}` : v, role, `${use.name}${use.ref ? '' : keyed ? `(…, ${shortName(use.key!)})` : '()'} ${where(use)}`, use.line);
          }
          continue;
        }
        if (!use.ref && c.support.match(use.name).length > 0) {
          supports.push(`${use.name}()`);
          continue;
        }
        this.inRepo(conceptName, c, cand, use, note, roles);
      }
      // a URL given to a method of in-repo code (`api.GET('/v1/auth/status')` on the repo's API client) uses that
      // code: the evidence is its, not this unit's
      const urls = urlSignals(unit, cand.file.language === 'typescript', (via) => this.inRepoName(cand.file, via));
      if (c.combos.length > 0) {
        for (const u of urls) signals.push(...u.signals);
        // OAuth requests to endpoints no literal names (`client.post(self.token_url, data={"grant_type": ...})`, a
        // URL from the environment): an authorization server's client all the same
        if (unit.oauth && urls.length === 0) signals.push(OAUTH_GRANT_SIGNAL);
        for (const combo of c.combos) {
          const found = combo.globs.map((m) => signals.find((s) => m(s)));
          if (found.every((f) => f !== undefined)) {
            const url = urls.find((u) => found.some((f) => u.signals.includes(f!)));
            note(combo.variant, 'owner-direct', found.join(' + '), url?.line ?? unit.line);
          }
        }
        // single url-signal patterns (`external-url:https://accounts.google.com/*`, `http-call-url:*`)
        for (const s of signals) {
          if (!s.includes('url:')) continue;
          // `http-call-url:X` says again what `fetch + url:X` said
          if (s.startsWith('http-call-url:') && [...roles.values()].some((f) => f.evidence.some((e) => e.endsWith(` + url:${s.slice(14)}`)))) continue;
          for (const v of c.drivers.match(s)) {
            const u = urls.find((x) => x.signals.includes(s));
            note(v, 'owner-direct', s, u?.line ?? unit.line);
          }
        }
      } else {
        for (const u of urls) for (const s of u.signals) for (const v of c.drivers.match(s)) note(v, 'owner-direct', u.signals[0]!, u.line);
      }
    }
    // a migration framework's code (alembic's env.py, a revision, a Django migration) opens what one migration run
    // needs and is gone with it: what it makes is transient, whatever it does with it
    const migration = !c.logic && migrationImport(cand.file);
    for (const [, f] of roles) {
      if (migration && (f.role === 'owner-direct' || f.role === 'owner-composed')) {
        f.role = 'transient';
        f.evidence.push(`a migration: imports ${[migration.module, ...migration.names].join('.')}`);
      }
      if (f.role === 'owner-direct' || f.role === 'owner-composed') {
        const life = this.lifecycle(cand, decl);
        if (life.length > 0) f.evidence.push(`lifecycle: ${life.join(', ')}`);
        for (const s of supports) if (!f.evidence.includes(s)) f.evidence.push(s);
      }
      if (f.evidence.length > MAX_EVIDENCE) f.evidence.splice(MAX_EVIDENCE, f.evidence.length - MAX_EVIDENCE, `… ${f.evidence.length - MAX_EVIDENCE} more`);
    }
    return roles;
  }

  private lifecycle(cand: Candidate, decl: FileFacts['declarations'][number] | undefined): string[] {
    const names = decl
      ? decl.members.filter((m) => m.kind === 'method').map((m) => m.name)
      : cand.file.facts.functions.filter((f) => !f.name.includes('.')).map((f) => f.name);
    return [...new Set(names.filter((n) => LIFECYCLE.test(n)))].sort();
  }

  /** The variants a use is a driver call of: a driver, a generic driver (by URL scheme), an in-repo driver subclass. */
  private driverVariants(c: Compiled, cand: Candidate, unit: UnitFact, use: UseFact): string[] {
    const direct = c.drivers.match(use.name);
    if (direct.length > 0) return [...new Set(direct)];
    if (c.generic.match(use.name).length > 0) return [this.genericVariant(c, cand, unit, use)];
    return [];
  }

  /** A generic driver's database: its URL's scheme, else the one its unit, its file or its service names. */
  private genericVariant(c: Compiled, cand: Candidate, unit: UnitFact, use: UseFact): string {
    const schemes = c.concept.schemes ?? {};
    const kind = (s: string): string | undefined => schemes[s.split('+')[0]!.toLowerCase()];
    if (use.scheme && kind(use.scheme)) return kind(use.scheme)!;
    const sql = (list: readonly string[] | undefined): Set<string> => new Set((list ?? []).map(kind).filter((k): k is string => k !== undefined && SQL.has(k)));
    const inUnit = sql(unit.schemes);
    if (inUnit.size === 1) return [...inUnit][0]!;
    const inFile = sql(cand.file.facts.units.flatMap((u) => u.schemes ?? []));
    if (inFile.size === 1) return [...inFile][0]!;
    const inService = this.serviceSqlKinds(c, cand.file.service);
    if (inService.size === 1) return [...inService][0]!;
    return 'sql';
  }

  /** The SQL database most of a service's production files name, by specific driver or URL scheme, if one does
   * (for generic drivers given no literal URL). */
  private serviceSqlKinds(c: Compiled, service: string | undefined): Set<string> {
    const key = service ?? '';
    let set = this.serviceSql.get(key);
    if (set) return set;
    const schemes = c.concept.schemes ?? {};
    const files = new Map<string, number>();
    for (const f of this.index.files) {
      if (f.service !== service || f.test) continue;
      const kinds = new Set<string>();
      for (const u of f.facts.units) {
        for (const use of u.uses) for (const v of c.drivers.match(use.name)) if (SQL.has(v)) kinds.add(v);
        for (const s of u.schemes ?? []) {
          const v = schemes[s.split('+')[0]!];
          if (v && SQL.has(v)) kinds.add(v);
        }
      }
      for (const k of kinds) files.set(k, (files.get(k) ?? 0) + 1);
    }
    const ranked = [...files].sort((a, b) => b[1] - a[1]);
    set = new Set(ranked.length > 0 && (ranked.length === 1 || ranked[0]![1] > ranked[1]![1]) ? [ranked[0]![0]] : []);
    this.serviceSql.set(key, set);
    return set;
  }

  /** A use of in-repo code: building an owner (composed, transient), or using one (consumer). */
  private inRepo(conceptName: string, c: Compiled, cand: Candidate, use: UseFact, note: (v: string, r: Role, e: string, line: number, via?: Candidate) => void, roles: Roles): void {
    const built = (v: string, cls: Candidate): void => {
      const f = roles.get(v);
      if (f && !(f.builds ??= []).includes(cls)) f.builds.push(cls);
    };
    const t = this.resolve(cand.file, use.name);
    if (!t) return;
    const sameFile = t.model.file === cand.file;
    const bare = t.model.classes.has(t.symbol) ? undefined : this.declaredClass(t.model, t.symbol);
    if (bare) {
      // a class that calls nothing, but may extend a driver class
      const ext = this.driverBase(c, bare, t.rest);
      if (ext && !use.ref && use.to !== 'type') note(ext.variant, c.logic || KEPT.has(use.to) ? 'owner-direct' : 'transient', `${bare.name}${t.rest ? `.${t.rest}` : ''}() (extends ${ext.base}) ${where(use)}`, use.line);
      return;
    }
    const cls = t.model.classes.get(t.symbol) ?? this.aliasOf(t);
    if (cls) {
      if (cls === cand) return;
      // an in-repo subclass of a driver class is a driver (`class ReconnectingDatabase(PooledPostgresqlDatabase)`)
      const ext = this.driverBase(c, cls, t.rest);
      if (ext) {
        if (!use.ref && use.to !== 'type') note(ext.variant, c.logic || KEPT.has(use.to) ? 'owner-direct' : 'transient', `${cls.name}${t.rest ? `.${t.rest}` : ''}() (extends ${ext.base}) ${where(use)}`, use.line);
        return;
      }
      if (sameFile && cand.kind === 'module' && !cand.part) return; // its own module's singleton
      for (const [v, f] of this.rolesOf(conceptName, cls)) {
        if (f.role !== 'owner-direct' && f.role !== 'owner-composed') continue;
        const at = `${cls.name} (${cls.file.path}:${cls.line})`;
        const builds = !c.logic && !use.ref && t.rest === '' && use.to !== 'type';
        if (!builds) note(v, 'consumer', `${use.to === 'type' ? 'is given' : 'uses'} ${at}`, use.line, cls);
        else if (f.role === 'owner-composed') note(v, 'consumer', `builds ${at}, which owns one`, use.line, cls);
        else if (!KEPT.has(use.to)) note(v, 'transient', `builds ${at} ${where(use)}`, use.line);
        else {
          const keeps = !cand.part && use.to !== 'return' && use.to !== 'handout'; // a factory hands out, keeps none
          if (keeps) this.holders(conceptName, cls).add(cand);
          const settled = this.settled.get(conceptName);
          if (keeps && settled?.home.get(cand)?.has(cls)) note(v, 'consumer', `keeps the one instance of ${at} ${where(use)}`, use.line, cls);
          else if (keeps && settled?.extra.get(cand)?.has(cls)) {
            note(v, 'owner-composed', `${cand.kind === 'module' ? 'keeps another instance of' : 'builds'} ${at} ${where(use)}`, use.line);
            built(v, cls);
          }
          // before the keepers are settled: a module global holding an instance is the class's singleton
          else if (cand.kind === 'module' && use.to === 'global') note(v, 'consumer', `holds the instance of ${at} ${where(use)}`, use.line, cls);
          // a static factory (`static create() { return new Store() }`): whoever keeps what it hands out owns it
          else if (use.to === 'handout') note(v, 'consumer', `builds ${at} and hands it out (a static factory)`, use.line, cls);
          else {
            note(v, 'owner-composed', `builds ${at} ${where(use)}`, use.line);
            if (use.to !== 'return') built(v, cls); // (what a method returns may be kept by its class or handed out)
          }
        }
      }
      return;
    }
    // a module-level function or global: using it is consuming what it makes or keeps (a singleton of a class
    // counts as the class)
    if (sameFile && cand.kind === 'module' && !cand.part) return;
    const part = this.part(t.model, t.symbol);
    if (!part || part === cand) return;
    let holder: Candidate | undefined;
    for (const k of t.model.globals.get(t.symbol) ?? []) {
      const inner = k.ref ? undefined : this.resolve(t.model.file, k.name);
      const cls = inner && inner.rest === '' ? inner.model.classes.get(inner.symbol) : undefined;
      if (cls) holder = cls;
    }
    if (holder === cand) return;
    const target = holder ?? part;
    for (const [v] of this.rolesOf(conceptName, target)) {
      if (this.leadsToOwner(conceptName, target, v, 0)) note(v, 'consumer', `uses ${t.symbol} (${t.model.file.path}${holder ? `, ${holder.name}` : ''})`, use.line, target);
    }
  }

  /** An owner, or a function or global whose module's own code leads to one (`get_client()` → `_create_client()`,
   * a global holding a class's singleton). */
  private leadsToOwner(conceptName: string, x: Candidate, v: string, depth: number): boolean {
    const f = this.rolesOf(conceptName, x).get(v);
    if (!f) return false;
    if (f.role === 'owner-direct' || f.role === 'owner-composed') return true;
    if (f.role !== 'consumer' || depth > 4 || !x.part) return false;
    return (f.via ?? []).some((y) => (y.file === x.file || f.evidence.some((e) => e.startsWith('holds'))) && this.leadsToOwner(conceptName, y, v, depth + 1));
  }

  /** One module-level function (its unit) or global (the uses whose values it keeps) as a candidate of its own. */
  private part(m: Model, symbol: string): Candidate | undefined {
    let byName = this.parts.get(m);
    if (!byName) this.parts.set(m, (byName = new Map()));
    let p = byName.get(symbol);
    if (p) return p;
    const fn = m.functions.has(symbol) ? m.file.facts.units.find((u) => u.kind === 'function' && u.name === symbol) : undefined;
    const kept = m.globals.get(symbol);
    if (!fn && !kept) return undefined;
    const unit: UnitFact = fn ?? { kind: 'module', name: symbol, line: kept![0]!.line, column: 0, uses: kept! };
    p = { file: m.file, kind: 'module', name: symbol, line: unit.line, column: unit.column, units: [unit], part: true };
    byName.set(symbol, p);
    return p;
  }

  /**
   * How many imports across the repo take a candidate's names: a class's own, and those of the singletons and
   * accessors its module keeps it in; a module's functions and globals.
   */
  importers(cand: Candidate): number {
    const m = this.model(cand.file.path);
    if (!m) return 0;
    const names = new Set<string>();
    if (cand.kind === 'class') {
      names.add(cand.name);
      for (const u of m.module?.units ?? []) {
        for (const use of u.uses) {
          if (use.ref || use.name !== `.${cand.name}` || !KEPT.has(use.to)) continue;
          if (use.target !== undefined && use.to === 'global') names.add(use.target);
          if (u.kind === 'function') names.add(u.name);
        }
      }
    } else {
      // every module-level function (a unit or not: `session_context()` calls nothing a concept knows) and global
      for (const f of cand.file.facts.functions) if (!f.name.includes('.')) names.add(f.name);
      for (const f of m.functions) names.add(f);
      for (const g of m.globals.keys()) names.add(g);
    }
    let n = 0;
    for (const name of names) n += this.index.importersOf(cand.file.path, name);
    return n;
  }

  /** `ClickHouseManager = ClickHouseService`: a global that names a class is the class */
  private aliasOf(t: Target): Candidate | undefined {
    const kept = t.model.globals.get(t.symbol);
    if (!kept || kept.length !== 1 || !kept[0]!.ref) return undefined;
    const inner = this.resolve(t.model.file, kept[0]!.name);
    return inner && inner.rest === '' ? inner.model.classes.get(inner.symbol) : undefined;
  }

  private readonly ancestorMemo = new Map<Candidate, Set<Candidate>>();

  /** The repo's own classes a class extends, at any depth: its bases through the file's imports or its own names. */
  ancestors(cls: Candidate): Set<Candidate> {
    let out = this.ancestorMemo.get(cls);
    if (out) return out;
    out = new Set();
    this.ancestorMemo.set(cls, out);
    const found = out;
    const visit = (c: Candidate, depth: number): void => {
      const decl = declOf(c);
      if (!decl || depth > 8) return;
      for (const b of decl.bases) {
        const q = qualifyBase(c.file, b);
        // a base of the same file is named as the file's own name (`.PostgreSQL`)
        const own = q === b && c.file.facts.declarations.some((d) => d.name === b.split('.')[0]);
        const t = this.resolve(c.file, own ? `.${b}` : q);
        if (!t || t.rest !== '') continue;
        const base = t.model.classes.get(t.symbol) ?? this.declaredClass(t.model, t.symbol);
        if (!base || base === cls || found.has(base)) continue;
        found.add(base);
        visit(base, depth + 1);
      }
    };
    visit(cls, 0);
    return out;
  }

  private readonly contracts = new Map<Candidate, Set<string>>();

  /**
   * The nearest in-repo base class two classes share that is an interface they both implement: it leaves methods
   * to its subclasses (abstract, `raise NotImplementedError`, `...`), and each of the two overrides one or more.
   */
  sharedInterface(a: Candidate, b: Candidate): Candidate | undefined {
    const theirs = this.ancestors(b);
    for (const base of this.ancestors(a)) {
      if (!theirs.has(base)) continue;
      const contract = this.contract(base);
      if (contract.size > 0 && overrides(a, contract) && overrides(b, contract)) return base;
    }
    return undefined;
  }

  /** the methods a class leaves to its subclasses: abstract ones, and those whose body is a placeholder */
  private contract(cls: Candidate): Set<string> {
    let out = this.contracts.get(cls);
    if (out) return out;
    out = new Set();
    const prefix = `${cls.name}.`;
    for (const f of cls.file.facts.functions) {
      if (!f.name.startsWith(prefix) || f.name.indexOf('.', prefix.length) >= 0 || f.line < cls.line) continue;
      if (f.abstract || f.stub === 'not-implemented' || f.stub === 'ellipsis') out.add(f.name.slice(prefix.length));
    }
    this.contracts.set(cls, out);
    return out;
  }

  /** a class the file declares that has no unit (it calls nothing): a candidate of no role, for its bases */
  private declaredClass(m: Model, symbol: string): Candidate | undefined {
    let byName = this.declared.get(m);
    if (!byName) this.declared.set(m, (byName = new Map()));
    let c = byName.get(symbol);
    if (c === undefined) {
      const d = m.file.facts.declarations.find((x) => x.name === symbol && (x.kind === 'class' || x.kind === 'ts-class'));
      c = d ? { file: m.file, kind: 'class', name: d.name, line: d.line, column: d.column, units: [] } : null;
      byName.set(symbol, c);
    }
    return c ?? undefined;
  }

  /** whether a class extends a driver class (peewee's PostgresqlDatabase, pg's Pool) */
  private driverBase(c: Compiled, cls: Candidate, rest = ''): { variant: string; base: string } | undefined {
    let byClass = c.bases2.get(cls);
    if (!byClass) c.bases2.set(cls, (byClass = new Map()));
    let r = byClass.get(rest);
    if (r === undefined) byClass.set(rest, (r = this.findDriverBase(c, cls, rest) ?? null));
    return r ?? undefined;
  }

  private findDriverBase(c: Compiled, cls: Candidate, rest: string): { variant: string; base: string } | undefined {
    const decl = declOf(cls);
    if (!decl) return undefined;
    const m = this.model(cls.file.path);
    for (const b of decl.bases) {
      // through the file's imports, or a module-level alias (`Redis = redis.asyncio.Redis`)
      const names = [qualifyBase(cls.file, b), ...(m?.globals.get(b) ?? []).filter((x) => x.ref).map((x) => x.name)];
      for (const q of names) {
        const v = c.drivers.match(rest ? `${q}.${rest}` : q)[0] ?? (rest ? undefined : c.drivers.match(q)[0]);
        if (v) return { variant: v, base: q };
        // a generic driver's subclass (`class RedashSQLAlchemy(SQLAlchemy)`): the database the class, its file or
        // its service names
        if (!rest && c.generic.match(q).length > 0) {
          const unit = cls.units[0] ?? { kind: 'class', name: cls.name, line: cls.line, column: cls.column, uses: [] };
          return { variant: this.genericVariant(c, cls, unit, { name: q, to: 'local', line: cls.line }), base: q };
        }
      }
    }
    return undefined;
  }

  /** Where a qualified name leads in the repo, following re-exports (at most a few hops). */
  resolve(file: ScannedFile, name: string, depth = 0): Target | undefined {
    // `.Name`: the file's own module-level name (a TypeScript specifier starts `./` or `../`)
    if (name.charCodeAt(0) === 46 && name.charCodeAt(1) !== 46 && name.charCodeAt(1) !== 47) {
      const m = this.model(file.path);
      if (!m) return undefined;
      const [symbol, ...rest] = name.slice(1).split('.');
      return { model: m, symbol: symbol!, rest: rest.join('.') };
    }
    if (file.language === 'python') {
      let t = this.pyResolved.get(name);
      if (t === undefined) {
        t = this.resolvePython(name, depth) ?? null;
        this.pyResolved.set(name, t);
      }
      return t ?? undefined;
    }
    let memo = this.tsResolved.get(file);
    if (!memo) this.tsResolved.set(file, (memo = new Map()));
    let t = memo.get(name);
    if (t === undefined) {
      t = this.resolveScript(file, name, depth) ?? null;
      memo.set(name, t);
    }
    return t ?? undefined;
  }

  private resolvePython(name: string, depth: number): Target | undefined {
    const parts = name.split('.');
    for (let k = parts.length - 1; k >= 1; k--) {
      const path = this.index.moduleToPath.get(parts.slice(0, k).join('.'));
      if (!path) continue;
      const m = this.model(path);
      if (!m) return undefined;
      const symbol = parts[k]!;
      const rest = parts.slice(k + 1).join('.');
      if (defines(m, symbol) || depth >= 4) return { model: m, symbol, rest };
      // a re-export: `from .manager import DatabaseManager` in a package's __init__
      for (const imp of m.file.facts.imports) {
        if (!imp.names.includes(symbol) && !imp.names.includes('*')) continue;
        const t = this.resolvePython(`${imp.module}.${symbol}${rest ? `.${rest}` : ''}`, depth + 1);
        if (t) return t;
      }
      return { model: m, symbol, rest };
    }
    return undefined;
  }

  /** Whether a name as uses write it (`@/utils/client.api`, `@polar-sh/client.Client`, `.api`) is the repo's own code:
   * a module-level name of the file, or an import that resolves to a file or a package of the repo. */
  private inRepoName(file: ScannedFile, name: string): boolean {
    if (name.startsWith('.')) return true;
    const best = importOf(file, name);
    if (!best) return this.resolve(file, name) !== undefined;
    const t = this.index.resolve(file, best);
    return t.kind === 'file' || t.kind === 'package';
  }

  private resolveScript(file: ScannedFile, name: string, depth: number): Target | undefined {
    const best = importOf(file, name);
    if (!best) return undefined;
    const t = this.index.resolve(file, best);
    if (t.kind !== 'file' || !t.path) return undefined;
    const m = this.model(t.path);
    if (!m) return undefined;
    // `import db from './db'`: `./db` is its default export, `./db.query` a method of it; `import { query } from
    // './db'` and `import * as db from './db'`: `./db.query` is the module's `query`
    const tail = name === best.module ? '' : name.slice(best.module.length + 1);
    const first = tail.split('.')[0]!;
    const named = tail !== '' && (best.names.includes('*') || best.names.includes(first));
    const symbol = named ? first : 'default';
    const r = named ? tail.slice(first.length + 1) : tail;
    if (defines(m, symbol) || depth >= 4) return { model: m, symbol, rest: r };
    for (const imp of m.file.facts.imports) {
      if (!imp.names.includes(symbol) && !imp.names.includes('*')) continue;
      const tt = this.index.resolve(m.file, imp);
      if (tt.kind !== 'file' || !tt.path) continue;
      const next = this.model(tt.path);
      if (next && defines(next, symbol)) return { model: next, symbol, rest: r };
    }
    return { model: m, symbol, rest: r };
  }
}

/** The import a name as uses write it comes through (`@/utils/client.api` → `@/utils/client`): the longest module
 * that is the name or a prefix of it. */
function importOf(file: ScannedFile, name: string): FileFacts['imports'][number] | undefined {
  let best: FileFacts['imports'][number] | undefined;
  for (const imp of file.facts.imports) {
    if ((name === imp.module || name.startsWith(`${imp.module}.`)) && (!best || imp.module.length > best.module.length)) best = imp;
  }
  return best;
}

/** the signal of a unit that sends an OAuth request (`grant_type`, `response_type`) to no endpoint a literal names */
export const OAUTH_GRANT_SIGNAL = 'oauth-grant';
/** between a variant and the key its token calls are given, in a role's variant (`auth` + KEY_SEP + `app.config.SECRET`) */
export const KEY_SEP = '\u0001';
/** a qualified name's last part (`onyx.configs.app_configs.USER_AUTH_SECRET` → `USER_AUTH_SECRET`) */
export const shortName = (q: string): string => q.slice(q.lastIndexOf('.') + 1);
const SQL = new Set(['postgresql', 'mysql', 'sqlite']);

/** a path segment that names authentication (`/api/auth/login`, `/v1/oauth2/token`, `{base}/token`) */
const AUTH_SEGMENT = /^(?:auth|oauth2?|openid|oidc|token|login|logout|sign-?in|sign-?out|session|jwks|jwks\.json|authorize|userinfo|introspect|refresh|whoami|\.well-known)$/i;
/** an authentication action on an identity resource (`/users/login`, `/accounts/token`) */
const AUTH_ACTION = /^(?:login|logout|sign-?in|sign-?out|token|refresh|whoami)$/i;
/** path segments before the resource: an API prefix, a version, a templated base (`{settings.AUTH_URL}`, `{}`) */
const PREFIX_SEGMENT = /^(?:api|rest|v\d+(?:\.\d+)*|(?:\{[^}]*\})+)$/i;

/**
 * Whether an own endpoint is an authentication endpoint: its resource (its first segment after the scheme and host,
 * an API prefix, a version and a templated base) names authentication (`/api/auth/login`, `{base}/oauth/token`),
 * or it is an authentication action on an identity resource (`/users/login`). An auth word deeper in a path is
 * another resource's (`/api/connector/oauth/authorize`: a connector's OAuth set-up; `/sessions/{id}/token-count`).
 */
export function isAuthPath(url: string): boolean {
  const path = url.replace(/^[a-z][\w+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0]!;
  const segs = path.split('/').filter((s) => s !== '');
  let k = 0;
  while (k < segs.length && PREFIX_SEGMENT.test(segs[k]!)) k++;
  const rest = segs.slice(k);
  if (rest.length === 0) return false;
  return AUTH_SEGMENT.test(rest[0]!) || (rest.length === 2 && AUTH_ACTION.test(rest[1]!));
}

/**
 * A unit's URL signals: `external-url:` for a URL with a public host of its own or relative to the public base URL
 * of the unit's HTTP client (`base_url="https://slack.com/api"`: a third party's endpoint); `provider-url:` for an
 * OAuth endpoint of a unit that sends an OAuth grant (a provider whose host is a setting: not a path of the app's own
 * host, `/auth/oauth/metadata`); else, for an
 * authentication endpoint (isAuthPath), `url:` (the repo's own endpoint), and `http-call-url:` too when it is given
 * straight to an HTTP-verb call. Redirect targets (`/callback`) and base URLs themselves are none.
 */
function urlSignals(unit: UnitFact, named: boolean, inRepo: (via: string) => boolean): { line: number; signals: string[] }[] {
  if (!unit.urls) return [];
  const base = unit.urls.find((u) => u.base && PUBLIC_HOST.test(u.url))?.url;
  const out: { line: number; signals: string[] }[] = [];
  for (const u of unit.urls) {
    if (u.base || CALLBACK.test(u.url) || (u.via !== undefined && inRepo(u.via))) continue;
    if (PUBLIC_HOST.test(u.url)) out.push({ line: u.line, signals: [`external-url:${u.url}`] });
    else if (base && !/^\w+:\/\//.test(u.url) && !u.url.startsWith('{')) out.push({ line: u.line, signals: [`external-url:${base.replace(/\/$/, '')}/${u.url.replace(/^\//, '')}`] });
    // a unit that sends an OAuth grant is an authorization server's client: a provider configured at run time
    // (`{self.domain}/oauth/token`), wherever its token endpoint sits (`{base}/realms/{realm}/protocol/openid-connect/token`)
    else if (unit.oauth && !u.url.startsWith('/')) {
      if (u.url.split(/[/?#]/).some((seg) => AUTH_SEGMENT.test(seg) || /openid/i.test(seg))) out.push({ line: u.line, signals: [`provider-url:${u.url}`] });
    } else if (isAuthPath(u.url)) {
      // where receivers are named (TypeScript), a verb call on one that cannot be named (a prop, a hook's result) is
      // no evidence: an HTTP library's client is imported or built in sight, the app's own API client often is not
      const verb = u.call !== undefined && HTTP_VERB.test(u.call) && (!named || u.via !== undefined);
      out.push({ line: u.line, signals: [`url:${u.url}`, ...(verb ? [`http-call-url:${u.url}`] : [])] });
    }
  }
  return out;
}

function where(use: UseFact): string {
  switch (use.to) {
    case 'self':
      return use.target ? `kept on self.${use.target}` : 'kept on the instance';
    case 'global':
      return use.target ? `kept in ${use.target}` : 'kept at module level';
    case 'return':
      return 'returned';
    case 'handout':
      return 'handed out by a static method';
    case 'local':
      return 'used in one function';
    case 'type':
      return 'as a parameter';
  }
}

/** a class candidate's declaration */
function declOf(cls: Candidate): FileFacts['declarations'][number] | undefined {
  return cls.file.facts.declarations.find((d) => d.name === cls.name && d.line === cls.line);
}

function overrides(cls: Candidate, methods: Set<string>): boolean {
  return declOf(cls)?.members.some((m) => m.kind === 'method' && methods.has(m.name)) ?? false;
}

function defines(m: Model, symbol: string): boolean {
  return m.classes.has(symbol) || m.functions.has(symbol) || m.globals.has(symbol);
}

function qualifyBase(file: ScannedFile, base: string): string {
  const head = base.split('.')[0]!;
  for (const imp of file.facts.imports) {
    if (imp.names.includes(head)) return `${imp.module}${file.language === 'python' ? '.' : '.'}${base}`;
    if (imp.names.length === 0 && (imp.module === head || imp.module.endsWith(`.${head}`))) return `${imp.module}${base.slice(head.length)}`;
  }
  return base;
}

function buildModel(file: ScannedFile): Model {
  const m: Model = { file, classes: new Map(), functions: new Set(), globals: new Map(), module: undefined };
  const moduleUnits: UnitFact[] = [];
  for (const u of file.facts.units) {
    if (u.kind === 'class') {
      m.classes.set(u.name, { file, kind: 'class', name: u.name, line: u.line, column: u.column, units: [u] });
      continue;
    }
    if (u.kind === 'function') m.functions.add(u.name);
    moduleUnits.push(u);
    for (const use of u.uses) {
      if (use.to !== 'global' || use.target === undefined) continue;
      const list = m.globals.get(use.target) ?? [];
      list.push(use);
      m.globals.set(use.target, list);
    }
  }
  if (moduleUnits.length > 0) {
    const base = file.path.slice(file.path.lastIndexOf('/') + 1);
    m.module = { file, kind: 'module', name: base, line: 1, column: 0, units: moduleUnits };
  }
  return m;
}
