/** `comply init`: discover the services (src/cli/init.ts) and write the config, printing the evidence. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../../config/load.js';
import { jsonSafe, printable } from '../../util/escape.js';
import { writeContained } from '../../util/safe-fs.js';
import { scanRoot, UsageError, type Cli } from '../common.js';
import { configExists, discoverServices, initialConfig } from '../init.js';

export function register(program: Command, { io }: Cli): void {
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
}
