/**
 * `comply concepts`: the SSOT inventory. Every candidate implementation of every concept (database managers per
 * database kind, the repo's own auth, identity-provider clients, the config's own concepts), per variant and
 * service, with its role and evidence, and the canonical owner: where they live, before deciding what to merge.
 */
import type { Command } from 'commander';
import { CONFIG_FILE } from '../../config/file.js';
import type { Config } from '../../config/load.js';
import { jsonSafe } from '../../util/escape.js';
import { didYouMean } from '../../util/text.js';
import { collect, EXIT, UsageError, type Cli, type RunOptions } from '../common.js';

const RULE = 'multiple-implementations';
const ROLES = ['owner-direct', 'owner-composed', 'consumer', 'transient'];

interface ConceptsOptions extends RunOptions {
  config?: string;
  concept?: string[];
  service?: string[];
  role?: string[];
}

export function register(program: Command, { io, exit }: Cli): void {
  program
    .command('concepts')
    .description('the SSOT inventory: every database manager, auth client and identity-provider client (and your own concepts), with its role, evidence and whether it is canonical')
    .argument('[path]', 'repository root', '.')
    .option('-c, --config <file>', `config file (default: <path>/${CONFIG_FILE})`)
    .option('--json', 'print the inventory as JSON (the `concepts` section of the scan report) on stdout')
    .option('--concept <name>', 'only these concepts (repeat, or commas)', collect)
    .option('--service <name>', 'only these services (repeat, or commas; - for no service)', collect)
    .option('--role <role>', `only these roles (repeat, or commas): ${ROLES.join(', ')}, or owner for both owner roles`, collect)
    .option('--no-cache', 'neither read nor write the caches')
    .option('--cache-dir <dir>', 'keep the caches in <dir> instead of <path>/.comply/cache')
    .action(async (path: string | undefined, opts: ConceptsOptions) => {
      const [{ project }, { listOption }, { ruleById }, { runScan }, { conceptsTable }] = await Promise.all([
        import('../project.js'),
        import('../../report/filter.js'),
        import('../../../rules/index.js'),
        import('../run-scan.js'),
        import('../../report/concepts.js'),
      ]);
      const { root, config } = project(path, opts);
      // a name that matches nothing is a typo: a usage error with the nearest name, never an empty table
      const hint = (word: string, known: string[]): string => {
        const near = didYouMean(word, known);
        return near ? `; did you mean ${near}?` : '';
      };
      const roles = listOption(opts.role)?.flatMap((r) => (r === 'owner' ? ['owner-direct', 'owner-composed'] : [r]));
      const bad = roles?.find((r) => !ROLES.includes(r));
      if (bad) throw new UsageError(`--role ${bad}: not a role${hint(bad, ROLES)} The roles are ${ROLES.join(', ')} (owner: both owner roles).`);
      const services = listOption(opts.service);
      const serviceNames = config.services.map((s) => s.name);
      const unknown = services?.find((s) => s !== '-' && !serviceNames.includes(s));
      if (unknown) throw new UsageError(`--service ${unknown}: no such service in the config${hint(unknown, serviceNames)} The services are ${serviceNames.join(', ')}.`);
      const concepts = listOption(opts.concept);
      const conceptNames = ruleById(RULE)!.topics!.names(config.rules[RULE]?.options ?? {});
      const unknownConcept = concepts?.find((c) => !conceptNames.includes(c));
      if (unknownConcept) throw new UsageError(`--concept ${unknownConcept}: no such concept${hint(unknownConcept, conceptNames)} The concepts are ${conceptNames.join(', ')}.`);
      // the inventory comes from the rule: a config that turns it off still gets its inventory here
      const result = await runScan(io, root, withRuleOn(config), { ...opts, quiet: true });
      const entries = result.concepts.filter(
        (e) =>
          (!concepts || concepts.includes(e.concept)) &&
          (!services || services.includes(e.service ?? '-')) &&
          (!roles || roles.includes(e.role)),
      );
      io.stdout(opts.json ? jsonSafe(`${JSON.stringify({ concepts: entries }, null, 2)}\n`) : conceptsTable(entries, { color: io.isTTY, width: io.isTTY ? process.stdout.columns || 160 : Infinity }));
      exit(EXIT.ok);
    });
}

function withRuleOn(config: Config): Config {
  const setting = config.rules[RULE];
  if (!setting || setting.severity !== 'off') return config;
  return { ...config, rules: { ...config.rules, [RULE]: { ...setting, severity: 'error' } } };
}
