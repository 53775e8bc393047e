/** `comply install-hook`: a git pre-commit hook that runs `comply scan --staged --quiet`. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { scanRoot, UsageError, type Cli } from '../common.js';

const HOOK_MARK = '# installed by comply install-hook';

export function register(program: Command, { io }: Cli): void {
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
}
