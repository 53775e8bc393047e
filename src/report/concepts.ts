/**
 * The SSOT inventory as people read it (`comply concepts`, the HTML report): the candidates of each concept, per
 * variant and service, owners first, with the canonical one marked and the evidence that gave each its role.
 */
import type { ConceptEntry } from '../engine/rule.js';
import { printable } from '../util/escape.js';

export interface ConceptGroup {
  concept: string;
  variant: string;
  service: string | null;
  entries: ConceptEntry[];
  owners: number;
}

const OWNER = new Set(['owner-direct', 'owner-composed']);

/** Entries (sorted by the engine) in groups of one concept, variant and service. */
export function conceptGroups(entries: readonly ConceptEntry[]): ConceptGroup[] {
  const out: ConceptGroup[] = [];
  for (const e of entries) {
    let g = out[out.length - 1];
    if (!g || g.concept !== e.concept || g.variant !== e.variant || g.service !== e.service) {
      g = { concept: e.concept, variant: e.variant, service: e.service, entries: [], owners: 0 };
      out.push(g);
    }
    g.entries.push(e);
    if (OWNER.has(e.role)) g.owners++;
  }
  return out;
}

/** how a group's roles count: `2 owners, 5 consumers, 1 transient` */
export function groupCounts(g: ConceptGroup): string {
  const n = (role: string): number => g.entries.filter((e) => e.role === role).length;
  const parts = [`${g.owners} owner${g.owners === 1 ? '' : 's'}`];
  if (n('consumer') > 0) parts.push(`${n('consumer')} consumer${n('consumer') === 1 ? '' : 's'}`);
  if (n('transient') > 0) parts.push(`${n('transient')} transient`);
  return parts.join(', ');
}

/** The inventory as a table per group, for a terminal (every repo-controlled text made printable). */
export function conceptsTable(entries: readonly ConceptEntry[], opts: { color: boolean; width?: number }): string {
  if (entries.length === 0) return 'No concept has a candidate: nothing creates, keeps or uses a database client, a token decoder or an identity provider here.\n';
  const bold = (s: string): string => (opts.color ? `\u001b[1m${s}\u001b[22m` : s);
  const dim = (s: string): string => (opts.color ? `\u001b[2m${s}\u001b[22m` : s);
  const width = opts.width ?? 160;
  const out: string[] = [];
  for (const g of conceptGroups(entries)) {
    out.push(bold(`${printable(g.concept)} · ${printable(g.variant)} · ${printable(g.service ?? '(no service)')}`) + dim(`  ${groupCounts(g)}`));
    const rows = g.entries.map((e) => [e.role, e.canonical ? 'canonical' : '', printable(e.name), `${printable(e.path)}:${e.line}`, printable(e.evidence.join('; '))]);
    const w = [0, 1, 2, 3].map((k) => Math.max(...rows.map((r) => r[k]!.length)));
    for (const r of rows) {
      const head = `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]!.padEnd(w[3]!)}  `;
      const room = Math.max(30, width - head.length); // a terminal's width; a pipe gets it all
      out.push(head + dim(r[4]!.length > room ? `${r[4]!.slice(0, room - 1)}…` : r[4]!));
    }
    out.push('');
  }
  const owners = entries.filter((e) => OWNER.has(e.role)).length;
  const n = (k: number, one: string, many = `${one}s`): string => `${k} ${k === 1 ? one : many}`;
  const consumers = entries.filter((e) => e.role === 'consumer').length;
  out.push(`${n(entries.length, 'entry', 'entries')}: ${n(owners, 'owner')}, ${n(consumers, 'consumer')}, ${entries.length - owners - consumers} transient. Only owners count toward a concept's limit (comply explain <concept>).`);
  return `${out.join('\n')}\n`;
}
