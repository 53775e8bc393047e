// Types of scripts/build-rules.mjs, for the tests that run it on the rules' sources.
import type { Rule, RuleMeta } from '../src/engine/rule.js';

export const ROOT: string;
export function configSchema(base: Record<string, unknown>, rules: readonly Rule[]): Record<string, unknown>;
export function ruleBlocks(meta: RuleMeta): { header: string; options: string };
export function rulesTable(rules: readonly Rule[]): string;
export function replaceBlock(text: string, name: string, content: string, insert?: (text: string, block: string) => string): string;
export function generatedFiles(root: string, rules: readonly Rule[]): Map<string, string>;
export function drift(root: string, rules: readonly Rule[]): { path: string; text: string }[];
