/** `comply explain <rule or concept>`: a rule's README, or how a concept of multiple-implementations is detected. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { RULES, ruleById } from '../../../rules/index.js';
import { conceptNames, explainConcept } from '../../../rules/multiple-implementations/index.js';
import { CONFIG_FILE, loadConfig } from '../../config/load.js';
import { printable } from '../../util/escape.js';
import { packageRoot } from '../../util/package.js';
import { didYouMean } from '../../util/text.js';
import { UsageError, type Cli } from '../common.js';
import { configExists } from '../init.js';

export function register(program: Command, { io }: Cli): void {
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
          io.stdout(printable(text, { newlines: true }));
          return;
        }
        const names = [...RULES.map((r) => r.meta.id), ...conceptNames(setting?.options ?? {})];
        const hint = didYouMean(id, names);
        throw new UsageError(`unknown rule or concept "${id}"${hint ? `; did you mean ${hint}?` : '.'} Rules: ${RULES.map((r) => r.meta.id).join(', ')}. Concepts: ${conceptNames(setting?.options ?? {}).join(', ')}.`);
      }
      const doc = join(packageRoot(), 'rules', id, 'README.md');
      io.stdout(existsSync(doc) ? readFileSync(doc, 'utf8') : `${id}: ${rule.meta.summary}\n`);
    });
}
