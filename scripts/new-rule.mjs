/**
 * Scaffold a rule: `npm run new-rule -- <new-id> [--from <rule-id>]` copies rules/<rule-id>/ (default: file-size, a
 * small rule with options, fixtures and README examples) to rules/<new-id>/ with the id replaced everywhere in it.
 * Adding a rule is adding that folder: nothing else registers it. Then edit its meta and run, its README, examples
 * and fixtures, run `npm run build` (schema and docs from meta) and `npx vitest run -u test/fixtures.test.ts` (its
 * snapshots), and review what changed.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RULES = join(dirname(fileURLToPath(import.meta.url)), '..', 'rules');
const args = process.argv.slice(2);
const at = args.indexOf('--from');
const from = at >= 0 ? args[at + 1] : 'file-size';
const id = args.find((a, i) => !a.startsWith('--') && i !== at + 1);

if (!id || !/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(id)) {
  console.error('usage: npm run new-rule -- <new-id> [--from <rule-id>]   (ids are kebab-case: lowercase words and hyphens)');
  process.exit(2);
}
if (!from || !existsSync(join(RULES, from, 'index.ts'))) {
  console.error(`new-rule: rules/${from}/ is not a rule to copy from`);
  process.exit(2);
}
if (existsSync(join(RULES, id))) {
  console.error(`new-rule: rules/${id}/ exists already`);
  process.exit(2);
}
const target = join(RULES, id);
cpSync(join(RULES, from), target, { recursive: true });
const rename = (dir) => {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) rename(p);
    else writeFileSync(p, readFileSync(p, 'latin1').replaceAll(from, id), 'latin1');
  }
};
rename(target);
console.error(`new-rule: wrote rules/${id}/ from rules/${from}/. Edit its meta, run and README, then \`npm run build\` and \`npx vitest run -u test/fixtures.test.ts\`.`);
