/**
 * The violation ledger (DESIGN §6): the committed record of accepted findings, so a gate fails only on new ones.
 * One entry per line, sorted, so merges are clean and diffs readable; fingerprints ignore line numbers.
 * Read strictly (a broken ledger is an error naming the line, never silently replaced); written atomically.
 */
import type { Finding } from '../engine/scan.js';
import type { Scores } from '../engine/scores.js';
import { readContained, STATE_MAX_BYTES, writeContained } from '../util/safe-fs.js';
import { jsonErrorLocation } from '../util/text.js';
import { UserError } from '../util/errors.js';

export const LEDGER_VERSION = 1;

export interface LedgerEntry {
  fingerprint: string;
  rule: string;
  path: string;
  subject: string;
  message: string;
  /** YYYY-MM-DD */
  firstSeen: string;
}

export interface Ledger {
  version: number;
  /** scores when the ledger was last updated: the baseline for score deltas */
  scores?: Pick<Scores, 'overall' | 'byService'>;
  entries: LedgerEntry[];
}

export class LedgerError extends UserError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export type Baseline = 'new' | 'known' | 'unchanged';

/** the fingerprints of a ledger as it was read: the check for duplicates made the set, and reconcile needs it */
const FINGERPRINTS = new WeakMap<Ledger, ReadonlySet<string>>();

/**
 * Read the ledger at `rel` below `root` (inside it, through no link, a regular file: containment in safe-fs);
 * undefined when it does not exist. `only`: the scan reports on these paths only (`--staged`), so only their
 * entries are needed; in the layout formatLedger writes, every line is checked for its shape in one linear pass
 * (a broken or hand-mangled ledger is never ignored) and only the wanted lines are parsed (on a 35k-entry ledger,
 * 3 lines instead of 6.7 MB). Anything else is read whole, and strictly.
 */
export function readLedger(root: string, rel: string, only?: ReadonlySet<string>): Ledger | undefined {
  const shown = rel;
  const bytes = readContained(root, rel, { what: 'ledger.path', maxBytes: STATE_MAX_BYTES });
  if (bytes === undefined) return undefined;
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const partial = only ? entriesOf(text, only) : undefined;
  if (partial) return partial;
  const fix = `Fix it by hand, restore it from git (\`git checkout -- ${shown}\`), or delete it and run \`comply ledger update\` to record the current findings again.`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const where = jsonErrorLocation(text, e as Error);
    throw new LedgerError(`${shown}${where ? `:${where.line}` : ''}: the ledger is not valid JSON (${(e as Error).message}). ${fix}`, shown);
  }
  const lineOf = (needle: string): string => {
    const i = text.indexOf(needle);
    return i < 0 ? '' : `:${text.slice(0, i).split('\n').length}`;
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new LedgerError(`${shown}: the ledger must be a JSON object. ${fix}`, shown);
  const l = raw as Partial<Ledger>;
  if (l.version !== LEDGER_VERSION) {
    throw new LedgerError(
      `${shown}${lineOf('"version"')}: unknown ledger version ${JSON.stringify(l.version)} (this comply reads version ${LEDGER_VERSION}). ${fix}`,
      shown,
    );
  }
  if (l.scores !== undefined && !validScores(l.scores)) {
    throw new LedgerError(`${shown}${lineOf('"scores"')}: "scores" is not what \`comply ledger update\` writes (overall and byService, each with files, clean and score per population). ${fix}`, shown);
  }
  if (!Array.isArray(l.entries)) throw new LedgerError(`${shown}: "entries" must be an array. ${fix}`, shown);
  const seen = new Set<string>();
  l.entries.forEach((e, i) => {
    // the line is looked up only for the message: searching for every entry would be quadratic
    const where = (): string => `${shown}${e && typeof e === 'object' && typeof e.fingerprint === 'string' ? lineOf(e.fingerprint) : ''}`;
    for (const k of ENTRY_KEYS) {
      if (!e || typeof e !== 'object' || typeof e[k] !== 'string') {
        throw new LedgerError(`${where()}: entry ${i + 1} has no string "${k}". ${fix}`, shown);
      }
    }
    if (seen.has(e.fingerprint)) throw new LedgerError(`${where()}: fingerprint ${e.fingerprint} appears twice. ${fix}`, shown);
    seen.add(e.fingerprint);
  });
  FINGERPRINTS.set(l as Ledger, seen);
  return l as Ledger;
}

/** The scores a ledger records (the baseline of the markdown summary's deltas), checked before any reporter reads them. */
function validScores(v: unknown): v is NonNullable<Ledger['scores']> {
  const isScore = (s: unknown): boolean => {
    if (!s || typeof s !== 'object') return false;
    const o = s as Record<string, unknown>;
    return Number.isFinite(o.files) && Number.isFinite(o.clean) && (o.score === null || Number.isFinite(o.score));
  };
  const isPopulation = (p: unknown): boolean => {
    if (!p || typeof p !== 'object') return false;
    const o = p as Record<string, unknown>;
    return isScore(o.production) && isScore(o.tests) && isScore(o.all);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    isPopulation(o.overall) &&
    Array.isArray(o.byService) &&
    o.byService.every((s) => isPopulation(s) && (s.service === null || typeof s.service === 'string'))
  );
}

const ENTRY_KEYS: (keyof LedgerEntry)[] = ['fingerprint', 'rule', 'path', 'subject', 'message', 'firstSeen'];

/** The entries of some paths, from a ledger in formatLedger's layout; undefined when it is not in that layout or
 * a line of those paths does not parse (the strict reader then says what is wrong). */
function entriesOf(text: string, only: ReadonlySet<string>): Ledger | undefined {
  const head = `{\n  "version": ${LEDGER_VERSION},\n`;
  if (!text.startsWith(head) || !(text.endsWith('\n  ]\n}\n') || text.endsWith('  "entries": []\n}\n'))) return undefined;
  let at = head.length;
  let scores: Ledger['scores'];
  if (text.startsWith('  "scores": ', at)) {
    const end = text.indexOf('\n', at);
    try {
      scores = JSON.parse(text.slice(at + 12, end).replace(/,$/, '')) as Ledger['scores'];
    } catch {
      return undefined;
    }
    at = end + 1;
  }
  if (!text.startsWith('  "entries": [', at)) return undefined;
  if (scores && !validScores(scores)) return undefined;
  if (!wellFormedLines(text, text.indexOf('\n', at) + 1)) return undefined;
  const entries: LedgerEntry[] = [];
  const seen = new Set<string>();
  for (const path of only) {
    const needle = `"path":${JSON.stringify(path)},`; // inside a string it would read \"path\"
    for (let i = text.indexOf(needle, at); i >= 0; i = text.indexOf(needle, i + needle.length)) {
      const line = text.slice(text.lastIndexOf('\n', i) + 1, text.indexOf('\n', i)).trim().replace(/,$/, '');
      let e: LedgerEntry;
      try {
        e = JSON.parse(line) as LedgerEntry;
      } catch {
        return undefined;
      }
      if (!e || typeof e !== 'object' || ENTRY_KEYS.some((k) => typeof e[k] !== 'string') || e.path !== path || seen.has(e.fingerprint)) return undefined;
      seen.add(e.fingerprint);
      entries.push(e);
    }
  }
  return { version: LEDGER_VERSION, ...(scores ? { scores } : {}), entries };
}

/** one entry line as formatLedger writes it: the six fields in order, each a JSON string */
const STR = String.raw`"(?:[^"\\\n]|\\.)*"`;
const ENTRY_LINE = new RegExp(String.raw`    \{"fingerprint":(${STR}),"rule":${STR},"path":${STR},"subject":${STR},"message":${STR},"firstSeen":${STR}\}(,?)\n`, 'y');

/**
 * Whether every line from `at` to the closing `  ]` is an entry in formatLedger's layout, commas right and no
 * fingerprint twice: one linear pass with a sticky expression (about 15 ms on a 6.7 MB ledger, a quarter of
 * JSON.parse and validation), so a partial read still refuses a ledger the strict reader would refuse.
 */
function wellFormedLines(text: string, at: number): boolean {
  const seen = new Set<string>();
  ENTRY_LINE.lastIndex = at;
  let last = false;
  for (let m = ENTRY_LINE.exec(text); m; m = ENTRY_LINE.exec(text)) {
    if (last) return false; // an entry after one without a comma
    if (seen.has(m[1]!)) return false;
    seen.add(m[1]!);
    last = m[2] === '';
    at = ENTRY_LINE.lastIndex;
  }
  return last && text.slice(at) === '  ]\n}\n';
}

/** The text of a ledger: sorted entries, one per line. */
export function formatLedger(ledger: Ledger): string {
  const entries = [...ledger.entries].sort(
    (a, b) => cmp(a.path, b.path) || cmp(a.rule, b.rule) || cmp(a.subject, b.subject) || cmp(a.fingerprint, b.fingerprint),
  );
  const line = (e: LedgerEntry): string =>
    JSON.stringify({ fingerprint: e.fingerprint, rule: e.rule, path: e.path, subject: e.subject, message: e.message, firstSeen: e.firstSeen });
  return [
    '{',
    `  "version": ${LEDGER_VERSION},`,
    ...(ledger.scores ? [`  "scores": ${JSON.stringify(ledger.scores)},`] : []),
    entries.length === 0 ? '  "entries": []' : '  "entries": [',
    ...entries.map((e, i) => `    ${line(e)}${i < entries.length - 1 ? ',' : ''}`),
    ...(entries.length === 0 ? [] : ['  ]']),
    '}',
    '',
  ].join('\n');
}

/** Write atomically (readers see the old or the new file). */
export function writeLedger(root: string, rel: string, ledger: Ledger): void {
  const shown = rel;
  try {
    writeContained(root, rel, formatLedger(ledger), 'ledger.path');
  } catch (e) {
    if ((e as Error).name === 'ContainmentError') throw e;
    throw new LedgerError(`${shown}: cannot write the ledger (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the old ledger is unchanged.`, shown);
  }
}

export function today(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const d = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  return d.toISOString().slice(0, 10);
}

export interface Reconciled {
  findings: (Finding & { baseline: Baseline })[];
  /** ledger entries no longer found */
  fixed: LedgerEntry[];
}

/**
 * Each finding is `known` (in the ledger), `new`, or, when `changed` limits the review to some files
 * (`--base`, `--staged`), `unchanged`: not in the ledger, but in a file the change did not touch. When the scan
 * looked only at some files (`scanned`), ledger entries elsewhere are neither found nor fixed.
 */
export function reconcile(findings: Finding[], ledger: Ledger | undefined, changed?: Set<string>, scanned?: ReadonlySet<string>): Reconciled {
  const known = (ledger && FINGERPRINTS.get(ledger)) ?? new Set(ledger?.entries.map((e) => e.fingerprint));
  const found = new Set(findings.map((f) => f.fingerprint));
  return {
    // completed in place (a copy per finding costs more than the rest of the review)
    findings: findings.map((f) => {
      const out = f as Finding & { baseline: Baseline };
      out.baseline = known.has(f.fingerprint) ? 'known' : changed && !changed.has(f.path) ? 'unchanged' : 'new';
      return out;
    }),
    // a scan of some files only (`scanned`) can tell only of their entries
    fixed: (ledger?.entries ?? []).filter((e) => !found.has(e.fingerprint) && (!scanned || scanned.has(e.path))),
  };
}

/** The ledger after `comply ledger update`: every current (unsuppressed) finding, keeping first-seen dates. */
export function updatedLedger(old: Ledger | undefined, findings: Finding[], scores: Ledger['scores'], date = today()): { ledger: Ledger; added: LedgerEntry[]; removed: LedgerEntry[] } {
  const before = new Map(old?.entries.map((e) => [e.fingerprint, e]));
  const entries: LedgerEntry[] = [];
  const added: LedgerEntry[] = [];
  for (const f of findings) {
    if (f.suppressed) continue;
    const prev = before.get(f.fingerprint);
    const e: LedgerEntry = { fingerprint: f.fingerprint, rule: f.rule, path: f.path, subject: f.subject, message: f.message, firstSeen: prev?.firstSeen ?? date };
    entries.push(e);
    if (!prev) added.push(e);
  }
  const now = new Set(entries.map((e) => e.fingerprint));
  const removed = (old?.entries ?? []).filter((e) => !now.has(e.fingerprint));
  return { ledger: { version: LEDGER_VERSION, ...(scores ? { scores } : {}), entries }, added, removed };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
