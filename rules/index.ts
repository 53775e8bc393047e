/**
 * The rule registry: every folder here with an index module is a rule, its folder named by its id. Adding a rule is
 * adding a folder (index.ts, README.md, fixtures/); nothing else registers it. The CLI hands these to the engine
 * (the engine never imports a rule). The folders are read where this module runs: rules/ under vitest, dist/rules/
 * once built.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Rule } from '../src/engine/rule.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** the rules' modules have this module's extension: .ts from the sources, .js when built */
const EXT = import.meta.url.slice(import.meta.url.lastIndexOf('.'));

/** The rules in the folders of `dir`, sorted by id; a folder whose module is not a rule of that id is an error. */
export async function loadRules(dir = HERE): Promise<Rule[]> {
  const ids = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, `index${EXT}`)))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    ids.map(async (id) => {
      const rule = ((await import(pathToFileURL(join(dir, id, `index${EXT}`)).href)) as { default?: Rule }).default;
      if (!rule?.meta || typeof rule.run !== 'function' || rule.meta.id !== id) {
        throw new Error(`rules/${id}/index${EXT} must export as default the rule whose meta.id is "${id}" (made with defineRule)`);
      }
      return rule;
    }),
  );
}

export const RULES: readonly Rule[] = await loadRules();

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
