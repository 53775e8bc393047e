/** `comply doctor`: check an existing config against the repository (src/cli/doctor.ts, docs/init.md). */
import type { Command } from 'commander';
import { CONFIG_FILE } from '../../config/file.js';
import { jsonSafe } from '../../util/escape.js';
import { EXIT, type Cli } from '../common.js';

export function register(program: Command, { io, exit }: Cli): void {
  program
    .command('doctor')
    .description('check an existing config against the repository: imports that resolve, unowned source, empty paths and globs, what init would write now')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .option('--json', 'print the report as JSON on stdout')
    .action(async (path: string | undefined, opts: { config?: string; json?: boolean }) => {
      const { project } = await import('../project.js');
      const { root, config } = project(path, opts);
      const { doctor, doctorText } = await import('../doctor.js');
      const report = doctor(root, config);
      io.stdout(opts.json ? jsonSafe(`${JSON.stringify(report, null, 2)}\n`) : doctorText(report));
      exit(report.problems > 0 ? EXIT.failed : EXIT.ok);
    });
}
