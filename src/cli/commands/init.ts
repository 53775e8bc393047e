/** `comply init`: discover the services (src/workspace/discover.ts) and write the config, printing the evidence for
 * each decision (docs/init.md). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../../config/file.js';
import { jsonSafe } from '../../util/escape.js';
import { writeContained } from '../../util/safe-fs.js';
import { reportTimings } from '../../util/timing.js';
import { scanRoot, UsageError, type Cli } from '../common.js';

export function register(program: Command, { io }: Cli): void {
  program
    .command('init')
    .description(`discover the services of a repository and write ${CONFIG_FILE}, printing the evidence for each decision`)
    .argument('[path]', 'repository root', '.')
    .option('--force', `overwrite an existing ${CONFIG_FILE}`)
    .option('--dry-run', 'print the config instead of writing it')
    .option('--json', 'print the evidence and the config as JSON on stdout')
    .action(async (path: string | undefined, opts: { force?: boolean; dryRun?: boolean; json?: boolean }) => {
      const { configExists, discover, evidenceJson, evidenceText, initialConfig } = await import('../init.js');
      const root = scanRoot(path);
      if (configExists(root) && !opts.force && !opts.dryRun) {
        throw new UsageError(`${join(path ?? '.', CONFIG_FILE)} exists already; edit it, run \`comply doctor\` to check it, or run \`comply init --force\` to replace it.`);
      }
      const found = discover(root);
      if (found.services.length === 0) {
        if (!opts.json) io.stderr(evidenceText(found));
        throw new UsageError(`found no services in ${root} (a Dockerfile or a Python or npm manifest with source files beside it, or a top-level Python package).`);
      }
      const config = initialConfig(found, root);
      const text = jsonSafe(`${JSON.stringify(config, null, 2)}\n`);
      if (!opts.dryRun) writeContained(root, CONFIG_FILE, text, 'comply init');
      if (opts.json) io.stdout(jsonSafe(`${JSON.stringify(evidenceJson(found, config), null, 2)}\n`));
      else {
        if (opts.dryRun) io.stdout(text);
        io.stderr(evidenceText(found));
      }
      if (!opts.dryRun) io.stderr(`Wrote ${CONFIG_FILE}. Review the allow list, then run \`comply scan\`.\n`);
      reportTimings(io.stderr, { services: found.services.length });
    });
}
