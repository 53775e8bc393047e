/**
 * The command line. Exit codes (DESIGN §7): 0 gate passed, 1 gate failed, 2 usage or configuration error,
 * 3 internal error. stdout holds the report (only JSON with --json); everything else goes to stderr.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { RULES, ruleById } from '../../rules/index.js';
import { CONFIG_FILE, ConfigError, loadConfig } from '../config/load.js';
import { scanAsync, type ScanResult } from '../engine/scan.js';
import { LedgerError, readLedger, updatedLedger, writeLedger } from '../ledger/ledger.js';
import { review } from '../ledger/review.js';
import { computeScores } from '../engine/scores.js';
import { changedSince, GitError, stagedFiles } from '../workspace/git.js';
import type { Config } from '../config/load.js';
import type { RuleDoc } from '../report/sarif.js';
import { sources } from '../report/source.js';
import { textReport } from '../report/text.js';
import { writeFileAtomic } from '../util/atomic.js';
import { ContainmentError, writeContained } from '../util/safe-fs.js';
import { jsonSafe, printable } from '../util/escape.js';
import { packageRoot, packageVersion } from '../util/package.js';
import { mark, reportTimings } from '../util/timing.js';
import { configExists, discoverServices, initialConfig } from './init.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

class UsageError extends Error {}

const HOOK_MARK = '# installed by comply install-hook';

interface ScanCliOptions {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  ci?: boolean;
  base?: string;
  staged?: boolean;
  sarif?: string;
  sarifKnown?: boolean;
  markdown?: string;
  html?: string;
  cache?: boolean;
  cacheDir?: string;
  jobs?: string;
}

/** Write a report file the user asked for: atomically, and with a clear error when it cannot be written; `-` is
 * stdout (the text report then goes to stderr: stdout holds one report only). */
function writeOutput(file: string, text: string, io: Io): void {
  if (file === '-') {
    io.stdout(text);
    return;
  }
  try {
    writeFileAtomic(resolve(file), text);
  } catch (e) {
    throw new UsageError(`${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

function ruleDocs(): RuleDoc[] {
  return RULES.map((r) => ({ id: r.meta.id, summary: r.meta.summary, markdown: ruleReadme(r.meta.id) ?? r.meta.summary }));
}

/** A rule's README, without the markers of its generated blocks (scripts/build-rules.mjs). */
function ruleReadme(id: string): string | undefined {
  const doc = join(packageRoot(), 'rules', id, 'README.md');
  return existsSync(doc) ? readFileSync(doc, 'utf8').replace(/^<!-- \/?meta:[a-z]+ -->\n/gm, '') : undefined;
}

/** Links for SARIF: the package's homepage when it has one, else URNs (GitHub shows the help text inline). */
function docLinks(): { informationUri: string; helpBase: string } {
  const pj = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { homepage?: string };
  return pj.homepage ? { informationUri: pj.homepage, helpBase: `${pj.homepage.replace(/#.*$/, '').replace(/\/$/, '')}/rules` } : { informationUri: 'urn:comply', helpBase: 'urn:comply:rules' };
}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

/**
 * The process's streams. A reader that goes away (`comply scan --json | head -c 100`) closes stdout: EPIPE then
 * ends the output quietly, never with a stack trace, and the scan still writes the report files it was asked for
 * and exits with its own code.
 */
let stdoutClosed = false;
const defaultIo: Io = {
  stdout: (s) => {
    if (stdoutClosed) return;
    if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', onStdoutError);
    process.stdout.write(s);
  },
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
  else throw e;
}

/** The repository a command works on, and its config. */
function project(path: string | undefined, opts: { config?: string }): { root: string; config: Config } {
  const root = scanRoot(path);
  return { root, config: loadConfig(root, opts.config) };
}

function scanRoot(path: string | undefined): string {
  const root = resolve(path ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${path ?? '.'}: not a folder. Give the path of the repository to scan.`);
  return root;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.ok;
  let debug = argv.includes('--debug');
  const program = new Command();
  program
    .name('comply')
    .description('Keep a polyglot monorepo honest about its architecture.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'show stack traces for internal errors')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const runScan = (
    root: string,
    config: Config,
    opts: { quiet?: boolean; json?: boolean; staged?: boolean; cache?: boolean; cacheDir?: string; ci?: boolean; jobs?: string },
    targets?: ReadonlySet<string>,
  ): Promise<ScanResult> => {
    const showProgress = !opts.quiet && !opts.json && Boolean(process.stderr.isTTY);
    let lastDraw = 0;
    const started = performance.now();
    const jobs = opts.jobs !== undefined ? Number(opts.jobs) : process.env.COMPLY_JOBS ? Number(process.env.COMPLY_JOBS) : undefined;
    if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs takes a whole number of at least 1, not "${opts.jobs ?? process.env.COMPLY_JOBS}".`);
    return scanAsync({
      root,
      config,
      rules: [...RULES],
      ...(jobs !== undefined ? { workers: jobs } : {}),
      timeoutMs: config.files.maxSeconds * 1000,
      // the cache is read unless --no-cache; written except in --ci, which never writes in the repo (a folder
      // given with --cache-dir is written: CI keeps it between runs)
      ...(opts.cache !== false ? { cache: { write: !opts.ci || opts.cacheDir !== undefined, ...(opts.cacheDir !== undefined ? { dir: opts.cacheDir } : {}) } } : {}),
      ...(opts.staged ? { workspace: { staged: true } } : {}),
      ...(targets ? { targets } : {}),
      ...(showProgress
        ? {
            onProgress: (done: number, total: number) => {
              const now = performance.now();
              if (now - started < 1000 || (now - lastDraw < 100 && done < total)) return;
              lastDraw = now;
              const width = 30;
              const filled = Math.round((done / total) * width);
              io.stderr(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files`);
              if (done === total) io.stderr('\r\u001b[K');
            },
          }
        : {}),
    });
  };

  program
    .command('scan')
    .description('scan a repository: findings, scores, and the gate (exit 1 on a new error-level finding)')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .option('--json', 'print the JSON report (schema/report.schema.json) on stdout')
    .option('-q, --quiet', 'print only error-level findings that are new, and the summary; no notes or progress')
    .option('--ci', 'gate mode: never write in the repository (a --cache-dir is written); a missing ledger means every finding is new')
    .option('--base <ref>', 'only findings in files changed since the merge base with <ref> can be new (pull requests)')
    .option('--staged', 'scan the staged content and report on the staged files (pre-commit)')
    .option('--sarif <file>', 'also write SARIF 2.1.0 for GitHub code scanning (- for stdout)')
    .option('--sarif-known', 'include ledger-known findings in the SARIF, marked as suppressed')
    .option('--markdown <file>', 'also write a markdown summary for the pull request (- for stdout)')
    .option('--html <file>', 'also write a self-contained HTML report (- for stdout)')
    .option('--no-cache', 'neither read nor write the caches (.comply/cache/: facts and results)')
    .option('--cache-dir <dir>', 'keep the caches in <dir> instead of <path>/.comply/cache (written even with --ci)')
    .option('-j, --jobs <n>', 'worker threads for parsing (default: cores - 1 from 4 cores, up to 8; on 2-3 cores one, for TypeScript; 1: none)')
    .action(async (path: string | undefined, opts: ScanCliOptions) => {
      mark('startup');
      if (opts.base && opts.staged) throw new UsageError('--base and --staged do not go together: --base reviews a branch, --staged a commit.');
      const toStdout = [opts.json && '--json', opts.sarif === '-' && '--sarif -', opts.markdown === '-' && '--markdown -', opts.html === '-' && '--html -'].filter(Boolean);
      if (toStdout.length > 1) throw new UsageError(`${toStdout.join(' and ')} both write to stdout; give the others a file name.`);
      const { root, config } = project(path, opts);
      mark('config');
      const change = opts.base
        ? { mode: 'base' as const, ref: opts.base, files: changedSince(root, opts.base) }
        : opts.staged
          ? { mode: 'staged' as const, files: stagedFiles(root) }
          : undefined;
      // pre-commit: findings can be new only in staged files, so only those are looked at (the rest is context)
      const result = await runScan(root, config, opts, change?.mode === 'staged' ? change.files : undefined);
      const r = review(result, config, root, change);
      mark('review');
      // the reporters a run does not ask for are not even loaded (a pre-commit scan prints text only)
      if (opts.json) io.stdout((await import('../report/json.js')).jsonReport(r));
      else if (toStdout.length > 0) io.stderr(textReport(r, { color: false, quiet: Boolean(opts.quiet) }));
      else io.stdout(textReport(r, { color: io.isTTY, quiet: Boolean(opts.quiet) }));
      mark('report');
      const source = sources(r.result.workspace); // SARIF and HTML read the same files: once
      if (opts.sarif) {
        const { sarifReport } = await import('../report/sarif.js');
        writeOutput(opts.sarif, sarifReport(r, ruleDocs(), { includeKnown: Boolean(opts.sarifKnown), ...docLinks(), source }), io);
      }
      if (opts.markdown) writeOutput(opts.markdown, (await import('../report/markdown.js')).markdownReport(r), io);
      if (opts.html) writeOutput(opts.html, (await import('../report/html.js')).htmlReport(r, source), io);
      if (opts.ci && !r.ledger.found) io.stderr(`comply: no ledger at ${printable(config.ledger.path)}: every finding is new. Run \`comply ledger update\` and commit the ledger to adopt comply on an existing repo.\n`);
      code = r.gate.passed ? EXIT.ok : EXIT.failed;
      mark('other reports');
      reportTimings(io.stderr, { files: r.result.files.length, findings: r.findings.length, parsed: r.result.timings.parsed, cached: r.result.timings.cached, reused: r.result.timings.reused });
    });

  const ledger = program.command('ledger').description('the violation ledger: record accepted findings so the gate fails only on new ones');
  ledger
    .command('update')
    .description('record the current findings in the ledger (adds new ones, drops fixed ones)')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .action(async (path: string | undefined, opts: { config?: string }) => {
      const { root, config } = project(path, opts);
      const old = readLedger(root, config.ledger.path);
      const result = await runScan(root, config, { quiet: true });
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
      const { root, config } = project(path, opts);
      const r = review(await runScan(root, config, { quiet: true }), config, root);
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

  program
    .command('init')
    .description(`discover the services of a repository and write ${CONFIG_FILE}`)
    .argument('[path]', 'repository root', '.')
    .option('--force', `overwrite an existing ${CONFIG_FILE}`)
    .option('--dry-run', 'print the config instead of writing it')
    .action((path: string | undefined, opts: { force?: boolean; dryRun?: boolean }) => {
      const root = scanRoot(path);
      if (configExists(root) && !opts.force && !opts.dryRun) {
        throw new UsageError(`${join(path ?? '.', CONFIG_FILE)} exists already; edit it, or run \`comply init --force\` to replace it.`);
      }
      const { services, skipped } = discoverServices(root);
      if (services.length === 0) {
        throw new UsageError(`found no service folders in ${root} (a top-level folder with a Python package, a manifest or a Dockerfile, and source files).`);
      }
      const text = jsonSafe(`${JSON.stringify(initialConfig(services), null, 2)}\n`);
      if (opts.dryRun) {
        io.stdout(text);
      } else {
        writeContained(root, CONFIG_FILE, text, 'comply init');
      }
      const w = Math.max(...services.map((s) => printable(s.name).length));
      io.stderr(`Found ${services.length} service folder(s):\n`);
      for (const s of services) io.stderr(`  ${printable(s.name).padEnd(w)}  ${s.kind.padEnd(12)}  ${String(s.files).padStart(6)} files  (${printable(s.evidence.join(', '))})\n`);
      if (skipped.length > 0) {
        io.stderr('Not services (add them by hand if they are):\n');
        for (const s of skipped) io.stderr(`  ${printable(`${s.name}: ${s.why}`)}\n`);
      }
      if (!opts.dryRun) io.stderr(`Wrote ${CONFIG_FILE}. Review the allow list, then run \`comply scan\`.\n`);
    });

  program
    .command('install-hook')
    .description('install a git pre-commit hook that runs `comply scan --staged --quiet`')
    .argument('[path]', 'repository root', '.')
    .option('--force', 'replace an existing pre-commit hook that comply did not write')
    .action((path: string | undefined, opts: { force?: boolean }) => {
      const root = scanRoot(path);
      let hooks: string;
      try {
        hooks = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      } catch {
        throw new UsageError(`${root} is not in a git repository: there is no hook to install.`);
      }
      const file = resolve(root, hooks, 'pre-commit');
      if (existsSync(file) && !readFileSync(file, 'utf8').includes(HOOK_MARK) && !opts.force) {
        throw new UsageError(`${file} exists and was not written by comply; add \`comply scan --staged --quiet\` to it (from node_modules/.bin), or run \`comply install-hook --force\` to replace it.`);
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        [
          '#!/bin/sh',
          HOOK_MARK,
          '# Fails the commit when the staged changes add a new error-level finding. Skip once with: git commit --no-verify',
          '# The project-local comply first: npx costs about half a second more than the scan itself.',
          'if [ -x node_modules/.bin/comply ]; then exec node_modules/.bin/comply scan --staged --quiet; fi',
          'exec npx --no-install comply scan --staged --quiet',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      chmodSync(file, 0o755);
      io.stderr(`Installed ${file}.\n`);
    });

  program
    .command('explain')
    .description('show the documentation of a rule, or how a concept (database-manager, auth-client) is detected')
    .argument('<rule-or-concept>', 'rule id or concept name')
    .option('-c, --config <file>', `config whose concepts to explain (default: ./${CONFIG_FILE} if present)`)
    .action((id: string, opts: { config?: string }) => {
      const rule = ruleById(id);
      if (!rule) {
        // a topic of a rule (multiple-implementations: its concepts), as the config sets its options
        const root = resolve('.');
        const config = opts.config || configExists(root) ? loadConfig(root, opts.config) : undefined;
        const topics = RULES.filter((r) => r.topics).map((r) => ({ topics: r.topics!, options: config?.rules[r.meta.id]?.options ?? {} }));
        for (const t of topics) {
          const text = t.topics.explain(id, t.options);
          if (text) {
            io.stdout(printable(text, { newlines: true }));
            return;
          }
        }
        throw new UsageError(`unknown rule or concept "${id}". Rules: ${RULES.map((r) => r.meta.id).join(', ')}. Concepts: ${topics.flatMap((t) => t.topics.names(t.options)).join(', ')}.`);
      }
      io.stdout(ruleReadme(id) ?? `${id}: ${rule.meta.summary}\n`);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof ConfigError || e instanceof UsageError || e instanceof LedgerError || e instanceof GitError || e instanceof ContainmentError) {
      io.stderr(`comply: ${printable(e.message)}\n`);
      return EXIT.usage;
    }
    debug ||= Boolean(process.env.COMPLY_DEBUG);
    io.stderr(`comply: internal error: ${printable(String((e as Error).message))}\n${debug ? `${printable(String((e as Error).stack), { newlines: true })}\n` : 'Run again with --debug for the stack trace, and please report it.\n'}`);
    return EXIT.internal;
  }
}

function countBy(keys: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
}
