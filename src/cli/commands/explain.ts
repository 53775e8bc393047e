/** `comply explain <rule or concept>`: a rule's README, or how a concept of multiple-implementations is detected. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../../config/file.js';
import { printable } from '../../util/escape.js';
import { didYouMean } from '../../util/text.js';
import { ruleReadme, UsageError, type Cli } from '../common.js';

export function register(program: Command, { io }: Cli): void {
  program
    .command('explain')
    .description('show the documentation of a rule, or how a concept (database-manager, auth-client) is detected')
    .argument('<rule-or-concept>', 'rule id or concept name')
    .option('-c, --config <file>', `config whose concepts to explain (default: ./${CONFIG_FILE} if present)`)
    .action(async (id: string, opts: { config?: string }) => {
      const [{ RULES, ruleById }, { configExists }, { loadConfig }] = await Promise.all([import('../../../rules/index.js'), import('../init.js'), import('../../config/load.js')]);
      const rule = ruleById(id);
      if (!rule) {
        // a topic of a rule (multiple-implementations: its concepts), with the rule's options as the config sets them
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
        const concepts = topics.flatMap((t) => t.topics.names(t.options));
        const hint = didYouMean(id, [...RULES.map((r) => r.meta.id), ...concepts]);
        throw new UsageError(`unknown rule or concept "${id}"${hint ? `; did you mean ${hint}?` : '.'} Rules: ${RULES.map((r) => r.meta.id).join(', ')}. Concepts: ${concepts.join(', ')}.`);
      }
      io.stdout(ruleReadme(id) ?? `${id}: ${rule.meta.summary}\n`);
    });
}
