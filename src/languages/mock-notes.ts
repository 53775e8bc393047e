/**
 * The tree of texts that may justify mock sites (FileFacts.mockNotes), as both language adapters build it: one
 * entry per statement with comments and per function or class with decorators or a comment block, each pointing
 * to the one around it. Every site of a statement, and every statement of a function, shares its entries, so
 * the size of a file's facts stays linear in the file (stacked `@patch` decorators once cost every site a copy
 * of every decorator: 64 KB of them made a 470 MB cache).
 */
import type { MockNote } from '../facts/facts.js';

export class MockNoteTree {
  private readonly nodes: MockNote[] = [];

  /** An entry for these texts inside `parent`; with no texts, `parent` itself (nothing to add on the chain). */
  add(texts: string[], parent: number | undefined): number | undefined {
    if (texts.length === 0) return parent;
    this.nodes.push(parent === undefined ? { texts } : { texts, parent });
    return this.nodes.length - 1;
  }

  /** Put an entry inside another one (a decorator line's comments, once the function it decorates is known). */
  reparent(node: number, parent: number | undefined): void {
    if (parent === undefined) delete this.nodes[node]!.parent;
    else this.nodes[node]!.parent = parent;
  }

  /**
   * The entries the sites reach, renumbered in order, with each site's `notes` set accordingly (or removed):
   * functions without a mock site under them are not stored.
   */
  finish(sites: { notes?: number }[]): MockNote[] {
    const renumber = new Map<number, number>();
    const out: MockNote[] = [];
    const keep = (n: number): number => {
      // iteratively up the chain: the entries not yet kept, then kept outermost first
      const chain: number[] = [];
      for (let k: number | undefined = n; k !== undefined && !renumber.has(k); k = this.nodes[k]!.parent) chain.push(k);
      for (let i = chain.length - 1; i >= 0; i--) {
        const k = chain[i]!;
        const { texts, parent } = this.nodes[k]!;
        renumber.set(k, out.length);
        out.push(parent === undefined ? { texts } : { texts, parent: renumber.get(parent)! });
      }
      return renumber.get(n)!;
    };
    for (const s of sites) if (s.notes !== undefined) s.notes = keep(s.notes);
    return out;
  }
}
