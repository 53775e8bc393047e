/**
 * `runners.json` in the cache folder: what the TypeScript and JavaScript test-runner configs said (their literal
 * values), by content. Reading one loads TypeScript's parser, 0.3 s of every warm scan of a repository with a
 * `vitest.config.ts`, for a file that rarely changes. The memo is read only through a usable store (never a cache
 * that git tracks: the workspace asks for it once its listing knows), checked against the SHA-256 its header holds
 * (damage is caught) and entry by entry, and keyed by comply's version, the workspace's code and TypeScript's
 * version; anything else is ignored and rebuilt. Written atomically, with the entries this scan used.
 */
import { createHash } from 'node:crypto';
import type { CacheStore } from './cache-store.js';
import { CacheWriteError } from './cache-store.js';
import { isValues, type ScriptMemo, type Values } from '../workspace/runners.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class ScriptsCache implements ScriptMemo {
  private readonly stored = new Map<string, Values>();
  private readonly used = new Map<string, Values>();
  private changed = false;
  /** why the stored memo was not used, for a note */
  problem: string | undefined;

  constructor(
    private readonly store: CacheStore,
    private readonly key: string,
    fresh = false,
  ) {
    if (fresh) return;
    try {
      const bytes = store.read('runners.json');
      if (!bytes) return;
      // a header line (the key, the SHA-256 of the body), then the entries as one line of JSON
      const text = bytes.toString('utf8');
      const nl = text.indexOf('\n');
      const head = JSON.parse(nl < 0 ? text : text.slice(0, nl)) as unknown;
      if (typeof head !== 'object' || head === null || (head as { key?: unknown }).key !== key) return; // another version's
      const body = nl < 0 ? '' : text.slice(nl + 1);
      if ((head as { sha256?: unknown }).sha256 !== sha256(body)) throw new Error('its checksum does not match: damaged');
      const entries = JSON.parse(body) as unknown;
      if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw new Error('no entries');
      for (const [k, v] of Object.entries(entries)) {
        if (!/^(?:ts|js) [0-9a-f]{40}$/.test(k) || !isValues(v)) throw new Error(`an entry is not what a runner config gives`);
        this.stored.set(k, v);
      }
    } catch (e) {
      this.stored.clear();
      this.problem = `the cache ${store.shown('runners.json')} could not be read (${(e as Error).message}); the runner configs are read again and it is rebuilt`;
      this.changed = true;
    }
  }

  get(key: string): Values | undefined {
    const v = this.stored.get(key);
    if (v) this.used.set(key, v);
    return v;
  }

  set(key: string, values: Values): void {
    this.used.set(key, values);
    this.changed = true;
  }

  /** Write the entries this scan used, when they differ from what was read; never throws (a note instead). */
  save(): string | undefined {
    if (!this.changed && this.used.size === this.stored.size) return undefined;
    const body = `${JSON.stringify(Object.fromEntries([...this.used].sort(([a], [b]) => (a < b ? -1 : 1))))}\n`;
    try {
      this.store.write('runners.json', `${JSON.stringify({ key: this.key, sha256: sha256(body) })}\n${body}`);
    } catch (e) {
      if (e instanceof CacheWriteError) return e.message;
      throw e;
    }
    return undefined;
  }
}
