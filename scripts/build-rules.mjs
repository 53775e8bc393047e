/**
 * Build step: what is generated from the rules' `meta` (issue 15), so that a rule is declared in one place.
 * - schema/compliance.schema.json: src/config/compliance.base.schema.json (everything but the rules) plus, per rule,
 *   a severity or an object of a severity and the rule's declared options;
 * - in each rules/<id>/README.md, the blocks between `<!-- meta:header -->` and `<!-- meta:options -->` markers
 *   (category, default severity, presets; the options table), inserted when a README has no markers yet;
 * - in README.md, the rules table between `<!-- meta:rules -->` markers.
 *
 * `node scripts/build-rules.mjs` (run by `npm run build`, after tsc: it reads the built rules) writes the files that
 * differ; with `--check`, or in CI, it writes nothing and fails on a difference (the committed files must be the
 * generated ones). test/rules.test.ts runs the same functions on the rules' sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRESETS = ['recommended', 'strict'];

/** The config schema: the base with every rule's entry. */
export function configSchema(base, rules) {
  const schema = structuredClone(base);
  const properties = {};
  for (const r of [...rules].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1))) {
    properties[r.meta.id] = {
      description: r.meta.summary,
      oneOf: [
        { $ref: '#/definitions/severity' },
        {
          type: 'object',
          additionalProperties: false,
          properties: { severity: { $ref: '#/definitions/severity' }, ...structuredClone(r.meta.options ?? {}) },
        },
      ],
    };
  }
  schema.properties.rules.properties = properties;
  return schema;
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

/** A short description of what a schema accepts. */
function kind(s) {
  if (s.enum) return s.enum.map((v) => code(JSON.stringify(v))).join(', ');
  if ('const' in s) return code(JSON.stringify(s.const));
  if (s.oneOf) return s.oneOf.map(kind).join(' or ');
  if (s['x-regex']) return 'regular expression (RE2)';
  if (s.type === 'array') return `list of ${s.items ? kind(s.items) : 'values'}`;
  if (s.type === 'object') return s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties ? `map of ${kind(s.additionalProperties)}` : 'object';
  const range = [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : ''].filter(Boolean).join(', ');
  return `${s.type ?? 'any'}${range ? ` (${range})` : ''}`;
}

/** Table rows for the options, nested ones under dotted names (`allow[].in`, `concepts.<name>.max`). */
function rows(properties, prefix = '') {
  const out = [];
  for (const [name, s] of Object.entries(properties)) {
    const key = `${prefix}${name}`;
    out.push(`| ${code(key)} | ${cell(kind(s))} | ${'default' in s ? cell(code(JSON.stringify(s.default))) : ''} | ${cell(s.description ?? '')} |`);
    const object = s.type === 'array' ? s.items : s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object' ? (s.additionalProperties.oneOf ?? [s.additionalProperties]).find((b) => b.type === 'object') : s;
    const sub = s.type === 'array' ? `${key}[].` : object !== s ? `${key}.<name>.` : `${key}.`;
    if (object?.properties) out.push(...rows(object.properties, sub));
  }
  return out;
}

/** The generated blocks of a rule's README. */
export function ruleBlocks(meta) {
  const presets = PRESETS.filter((p) => meta.presets?.[p]).map((p) => `\`comply:${p}\`: ${meta.presets[p]}`);
  const header = `**Category:** ${meta.category} · **Default severity:** ${meta.defaultSeverity}${presets.length ? ` (${presets.join(', ')})` : ''}`;
  const props = meta.options ?? {};
  const options =
    Object.keys(props).length === 0
      ? `Severity only: \`"${meta.id}": "warning"\`.`
      : [
          `Set in \`rules\` with the severity: \`"${meta.id}": { "severity": "${meta.defaultSeverity === 'off' ? 'warning' : meta.defaultSeverity}", "${Object.keys(props)[0]}": … }\`.`,
          '',
          '| option | accepts | default | description |',
          '| --- | --- | --- | --- |',
          ...rows(props),
        ].join('\n');
  return { header, options };
}

/** The rules table of the root README. */
export function rulesTable(rules) {
  return [
    '| id | category | finds |',
    '| --- | --- | --- |',
    ...[...rules]
      .sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1))
      .map((r) => `| [${r.meta.id}](rules/${r.meta.id}/README.md) | ${r.meta.category} | ${cell(r.meta.summary)} |`),
  ].join('\n');
}

/** `text` with the block between `<!-- meta:NAME -->` and `<!-- /meta:NAME -->` replaced; `insert` places the
 * markers in a text that has none yet. */
export function replaceBlock(text, name, content, insert) {
  const open = `<!-- meta:${name} -->`;
  const close = `<!-- /meta:${name} -->`;
  const block = `${open}\n${content}\n${close}`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + close.length);
  if (!insert) throw new Error(`no ${open} … ${close} markers`);
  return insert(text, block);
}

/** Every generated file (repo-relative path → content) for these rules, from the files under `root`. */
export function generatedFiles(root, rules) {
  const out = new Map();
  const base = JSON.parse(readFileSync(join(root, 'src', 'config', 'compliance.base.schema.json'), 'utf8'));
  out.set('schema/compliance.schema.json', `${JSON.stringify(configSchema(base, rules), null, 2)}\n`);
  for (const r of rules) {
    const path = `rules/${r.meta.id}/README.md`;
    let text = readFileSync(join(root, path), 'utf8');
    const { header, options } = ruleBlocks(r.meta);
    // a new README: the header under its title, the options at the end
    text = replaceBlock(text, 'header', header, (t, block) => t.replace(/^(# .*\n)\n?/, `$1\n${block}\n\n`));
    text = replaceBlock(text, 'options', options, (t, block) => `${t.replace(/\n*$/, '\n')}\n## Options\n${block}\n`);
    out.set(path, text);
  }
  out.set('README.md', replaceBlock(readFileSync(join(root, 'README.md'), 'utf8'), 'rules', rulesTable(rules)));
  return out;
}

/** The generated files that differ from what is on disk. */
export function drift(root, rules) {
  const stale = [];
  for (const [path, text] of generatedFiles(root, rules)) {
    let now;
    try {
      now = readFileSync(join(root, path), 'utf8');
    } catch {
      now = undefined;
    }
    if (now !== text) stale.push({ path, text });
  }
  return stale;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { RULES } = await import(pathToFileURL(join(ROOT, 'dist', 'rules', 'index.js')).href);
  const stale = drift(ROOT, RULES);
  const check = process.argv.includes('--check') || Boolean(process.env.CI);
  if (check && stale.length > 0) {
    console.error(`build-rules: ${stale.map((s) => s.path).join(', ')} differ from what the rules' meta generates. Run \`npm run build\` and commit them.`);
    process.exit(1);
  }
  for (const s of stale) {
    writeFileSync(join(ROOT, s.path), s.text);
    console.error(`build-rules: wrote ${s.path}`);
  }
}
