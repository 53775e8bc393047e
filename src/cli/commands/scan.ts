/** `comply scan`: findings, scores and the gate; the reports a run asks for; filters that narrow what they show. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Rule } from '../../engine/rule.js';
import { CONFIG_FILE } from '../../config/file.js';
import type { RuleDoc } from '../../report/sarif.js';
import { printable } from '../../util/escape.js';
import { packageRoot } from '../../util/package.js';
import { mark, reportTimings } from '../../util/timing.js';
import { changedSince, startStaged } from '../../workspace/git.js';
import { startListing } from '../../workspace/listing.js';
import { collect, EXIT, ruleReadme, scanRoot, UsageError, writeOutput, type Cli, type RunOptions } from '../common.js';

interface ScanCliOptions extends RunOptions {
  config?: string;
  base?: string;
  sarif?: string;
  sarifKnown?: boolean;
  markdown?: string;
  html?: string;
  rule?: string[];
  service?: string[];
  severity?: string[];
  path?: string[];
  all?: boolean;
  statistics?: boolean;
}

export function register(program: Command, { io, exit }: Cli): void {
  program
    .command('scan')
    .description('scan a repository: findings, scores, and the gate (exit 1 on a new error-level finding)')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .option('--json', 'print the JSON report (schema/report.schema.json) on stdout')
    .option('-q, --quiet', 'print only error-level findings that are new, and the summary; no notes or progress')
    .option('--ci', 'gate mode: never read or write a cache in the repository (only a --cache-dir); a missing ledger means every finding is new')
    .option('--base <ref>', 'only findings in files changed since the merge base with <ref> can be new (pull requests)')
    .option('--staged', 'scan the staged content and report on the staged files (pre-commit)')
    .option('--sarif <file>', 'also write SARIF 2.1.0 for GitHub code scanning (- for stdout)')
    .option('--sarif-known', 'include ledger-known findings in the SARIF, marked as suppressed')
    .option('--markdown <file>', 'also write a markdown summary for the pull request (- for stdout)')
    .option('--html <file>', 'also write a self-contained HTML report (- for stdout)')
    .option('--no-cache', 'neither read nor write the caches (.comply/cache/: facts and results)')
    .option('--cache-dir <dir>', 'keep the caches in <dir> instead of <path>/.comply/cache (written even with --ci)')
    .option('--rule <id>', "show only these rules' findings (repeat, or commas; globs); the gate still judges every finding", collect)
    .option('--service <name>', 'show only findings in these services (- for no service)', collect)
    .option('--severity <level>', 'show only findings of these severities (error, warning, info)', collect)
    .option('--path <glob>', 'show only findings in files matching the glob', collect)
    .option('--all', 'print every finding (a scan with over 300 caps each rule at its first 20)')
    .option('--statistics', 'print the counts per rule only, no findings')
    .option('-j, --jobs <n>', 'worker threads for parsing (default: cores - 1 from 4 cores, at most 8 and what fits in 1 GiB; one, for TypeScript, on 3 cores; none on 1-2 cores; 1: none)')
    .action(async (path: string | undefined, opts: ScanCliOptions) => {
      mark('startup');
      if (opts.base && opts.staged) throw new UsageError('--base and --staged do not go together: --base reviews a branch, --staged a commit.');
      const toStdout = [opts.json && '--json', opts.sarif === '-' && '--sarif -', opts.markdown === '-' && '--markdown -', opts.html === '-' && '--html -'].filter(Boolean);
      if (toStdout.length > 1) throw new UsageError(`${toStdout.join(' and ')} both write to stdout; give the others a file name.`);
      // git works on another core while this one loads the engine and the rules: it lists the tree, or for a
      // pre-commit scan says what is staged and reads its index (errors are thrown where these are awaited)
      const tree = scanRoot(path);
      const listing = opts.staged ? undefined : startListing(tree);
      const staged = opts.staged ? startStaged(tree) : undefined;
      for (const p of [listing, staged]) p?.catch(() => {}); // handled where awaited, not as an unhandled rejection
      const [{ project }, { checkFilter, FilterError, filterOf, filterReview }, { runScan }, { RULES }, { review }, { sources }, { textReport }] = await Promise.all([
        import('../project.js'),
        import('../../report/filter.js'),
        import('../run-scan.js'),
        import('../../../rules/index.js'),
        import('../../ledger/review.js'),
        import('../../report/source.js'),
        import('../../report/text.js'),
      ]);
      mark('load');
      const { root, config } = project(path, opts);
      mark('config');
      const change = opts.base
        ? { mode: 'base' as const, ref: opts.base, files: changedSince(root, opts.base) }
        : staged
          ? { mode: 'staged' as const, files: (await staged).files }
          : undefined;
      // pre-commit: findings can be new only in staged files, so only those are looked at (the rest is context)
      const given = staged ? { snapshot: (await staged).snapshot } : { listing: await listing };
      const result = await runScan(io, root, config, opts, change?.mode === 'staged' ? change.files : undefined, given);
      const filter = filterOf(opts);
      try {
        checkFilter(filter, { rules: result.rules.map((x) => x.id), services: config.services.map((x) => x.name) });
      } catch (e) {
        if (e instanceof FilterError) throw new UsageError(e.message);
        throw e;
      }
      // filters narrow what every report shows; the gate (computed first) still judges every finding
      const r = filterReview(review(result, config, root, change), filter);
      mark('review');
      // the reporters a run does not ask for are not even loaded (a pre-commit scan prints text only)
      if (opts.json) io.stdout((await import('../../report/json.js')).jsonReport(r));
      else {
        const text = { quiet: Boolean(opts.quiet), all: Boolean(opts.all), statistics: Boolean(opts.statistics) };
        if (toStdout.length > 0) io.stderr(textReport(r, { ...text, color: false }));
        else io.stdout(textReport(r, { ...text, color: io.isTTY }));
      }
      mark('report');
      const source = sources(r.result.workspace); // SARIF and HTML read the same files: once
      if (opts.sarif) {
        const { sarifReport } = await import('../../report/sarif.js');
        writeOutput(opts.sarif, sarifReport(r, ruleDocs(RULES), { includeKnown: Boolean(opts.sarifKnown), ...docLinks(), source }), io);
      }
      if (opts.markdown) writeOutput(opts.markdown, (await import('../../report/markdown.js')).markdownReport(r), io);
      if (opts.html) writeOutput(opts.html, (await import('../../report/html.js')).htmlReport(r, source), io);
      if (opts.ci && !r.ledger.found) io.stderr(`comply: no ledger at ${printable(config.ledger.path)}: every finding is new. Run \`comply ledger update\` and commit the ledger to adopt comply on an existing repo.\n`);
      exit(r.gate.passed ? EXIT.ok : EXIT.failed);
      mark('other reports');
      reportTimings(io.stderr, { files: r.result.files.length, findings: r.findings.length, parsed: r.result.timings.parsed, cached: r.result.timings.cached, reused: r.result.timings.reused });
    });
}

function ruleDocs(rules: readonly Rule[]): RuleDoc[] {
  return rules.map((r) => ({ id: r.meta.id, summary: r.meta.summary, markdown: ruleReadme(r.meta.id) ?? r.meta.summary }));
}

/** Links for SARIF: the package's homepage when it has one, else URNs (GitHub shows the help text inline). */
function docLinks(): { informationUri: string; helpBase: string } {
  const pj = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { homepage?: string };
  return pj.homepage ? { informationUri: pj.homepage, helpBase: `${pj.homepage.replace(/#.*$/, '').replace(/\/$/, '')}/rules` } : { informationUri: 'urn:comply', helpBase: 'urn:comply:rules' };
}
