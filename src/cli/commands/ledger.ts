/** `comply ledger update|status`: record the current findings (adopt, drop fixed ones), or count them per rule. */
import type { Command } from 'commander';
import { CONFIG_FILE } from '../../config/file.js';
import { printable } from '../../util/escape.js';
import type { Cli } from '../common.js';

export function register(program: Command, { io }: Cli): void {
  const ledger = program.command('ledger').description('the violation ledger: record accepted findings so the gate fails only on new ones');
  ledger
    .command('update')
    .description('record the current findings in the ledger (adds new ones, drops fixed ones)')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .action(async (path: string | undefined, opts: { config?: string }) => {
      const [{ project }, { computeScores }, { readLedger, updatedLedger, writeLedger }, { runScan }] = await Promise.all([
        import('../project.js'),
        import('../../engine/scores.js'),
        import('../../ledger/ledger.js'),
        import('../run-scan.js'),
      ]);
      const { root, config } = project(path, opts);
      const old = readLedger(root, config.ledger.path);
      const result = await runScan(io, root, config, { quiet: true });
      const { overall, byService } = computeScores(result.files, result.findings);
      const { ledger: next, added, removed } = updatedLedger(old, result.findings, { overall, byService });
      writeLedger(root, config.ledger.path, next);
      io.stdout(`${printable(config.ledger.path)}: ${next.entries.length} entries (${added.length} added, ${removed.length} dropped as fixed).\n`);
      for (const [label, list] of [['added', added], ['dropped', removed]] as const) {
        const per = countBy(list.map((e) => printable(e.rule)));
        if (per.length > 0) io.stdout(`  ${label}: ${per.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
      }
    });
  ledger
    .command('status')
    .description('new / known / fixed counts per rule, without writing')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .action(async (path: string | undefined, opts: { config?: string }) => {
      const [{ project }, { review }, { runScan }] = await Promise.all([import('../project.js'), import('../../ledger/review.js'), import('../run-scan.js')]);
      const { root, config } = project(path, opts);
      const r = review(await runScan(io, root, config, { quiet: true }), config, root);
      const rules = [...new Set([...r.findings.map((f) => f.rule), ...r.fixed.map((e) => e.rule)])].sort();
      const w = Math.max(4, ...rules.map((x) => printable(x).length));
      io.stdout(`${printable(config.ledger.path)}${r.ledger.found ? '' : ' (missing: everything is new)'}\n`);
      io.stdout(`  ${'rule'.padEnd(w)}  ${'new'.padStart(6)}  ${'known'.padStart(6)}  ${'fixed'.padStart(6)}\n`);
      for (const rule of rules) {
        const f = r.findings.filter((x) => x.rule === rule && !x.suppressed);
        const n = (b: string): string => String(f.filter((x) => x.baseline === b).length).padStart(6);
        io.stdout(`  ${printable(rule).padEnd(w)}  ${n('new')}  ${n('known')}  ${String(r.fixed.filter((e) => e.rule === rule).length).padStart(6)}\n`);
      }
    });
}

function countBy(keys: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
}
