/**
 * The command line. Exit codes (DESIGN §7): 0 gate passed, 1 gate failed, 2 usage or configuration error,
 * 3 internal error. stdout holds the report (only JSON with --json); everything else goes to stderr.
 */
import { existsSync, renameSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { RULES, ruleById } from '../../rules/index.js';
import { conceptNames, explainConcept } from '../../rules/multiple-implementations/index.js';
import { CONFIG_FILE, ConfigError, loadConfig } from '../config/load.js';
import { scan } from '../engine/scan.js';
import { jsonReport } from '../report/json.js';
import { textReport } from '../report/text.js';
import { packageRoot, packageVersion } from '../util/package.js';
import { configExists, discoverServices, initialConfig } from './init.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

class UsageError extends Error {}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

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

  program
    .command('scan')
    .description('scan a repository and report findings (exit 1 when an error-level finding is present)')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .option('--json', 'print the JSON report (schema/report.schema.json) on stdout')
    .option('-q, --quiet', 'print only error-level findings and the summary; no notes or progress')
    .action((path: string | undefined, opts: { config?: string; json?: boolean; quiet?: boolean }) => {
      const root = scanRoot(path);
      const config = loadConfig(root, opts.config);
      const showProgress = !opts.quiet && !opts.json && Boolean(process.stderr.isTTY);
      let lastDraw = 0;
      const started = performance.now();
      const result = scan({
        root,
        config,
        rules: [...RULES],
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
      if (opts.json) io.stdout(jsonReport(result));
      else io.stdout(textReport(result, { color: io.isTTY, quiet: Boolean(opts.quiet) }));
      code = result.findings.some((f) => f.severity === 'error') ? EXIT.failed : EXIT.ok;
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
      const text = `${JSON.stringify(initialConfig(services), null, 2)}\n`;
      if (opts.dryRun) {
        io.stdout(text);
      } else {
        const file = join(root, CONFIG_FILE);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, text);
        renameSync(tmp, file);
      }
      const w = Math.max(...services.map((s) => s.name.length));
      io.stderr(`Found ${services.length} service folder(s):\n`);
      for (const s of services) io.stderr(`  ${s.name.padEnd(w)}  ${s.kind.padEnd(12)}  ${String(s.files).padStart(6)} files  (${s.evidence.join(', ')})\n`);
      if (skipped.length > 0) {
        io.stderr('Not services (add them by hand if they are):\n');
        for (const s of skipped) io.stderr(`  ${s.name}: ${s.why}\n`);
      }
      if (!opts.dryRun) io.stderr(`Wrote ${CONFIG_FILE}. Review the allow list, then run \`comply scan\`.\n`);
    });

  program
    .command('explain')
    .description('show the documentation of a rule, or how a concept (database-manager, auth-client) is detected')
    .argument('<rule-or-concept>', 'rule id or concept name')
    .option('-c, --config <file>', `config whose concepts to explain (default: ./${CONFIG_FILE} if present)`)
    .action((id: string, opts: { config?: string }) => {
      const rule = ruleById(id);
      if (!rule) {
        const root = resolve('.');
        const setting = opts.config || configExists(root) ? loadConfig(root, opts.config).rules['multiple-implementations'] : undefined;
        const text = explainConcept(id, setting?.options ?? {});
        if (text) {
          io.stdout(text);
          return;
        }
        throw new UsageError(`unknown rule or concept "${id}". Rules: ${RULES.map((r) => r.meta.id).join(', ')}. Concepts: ${conceptNames(setting?.options ?? {}).join(', ')}.`);
      }
      const doc = join(packageRoot(), 'rules', id, 'README.md');
      io.stdout(existsSync(doc) ? readFileSync(doc, 'utf8') : `${id}: ${rule.meta.summary}\n`);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof ConfigError || e instanceof UsageError) {
      io.stderr(`comply: ${e.message}\n`);
      return EXIT.usage;
    }
    debug ||= Boolean(process.env.COMPLY_DEBUG);
    io.stderr(`comply: internal error: ${(e as Error).message}\n${debug ? `${(e as Error).stack}\n` : 'Run again with --debug for the stack trace, and please report it.\n'}`);
    return EXIT.internal;
  }
}
