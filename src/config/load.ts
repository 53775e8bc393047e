/**
 * compliance.config.json: read, validate against the shipped JSON Schema, and normalise. Every problem becomes a
 * ConfigError naming the file, the key, what was expected and what was found (exit code 2).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import type { Ajv, ErrorObject } from 'ajv';
import { UserError } from '../util/errors.js';
import { packageRoot } from '../util/package.js';
import { CONFIG_MAX_BYTES, containedPath, ContainmentError, readBounded, readContained } from '../util/safe-fs.js';
import { applyDefaults } from '../util/defaults.js';
import { didYouMean, jsonErrorLocation } from '../util/text.js';
import { invalidPattern } from './patterns.js';

import { CONFIG_FILE } from './file.js';
export { CONFIG_FILE };

export const SEVERITIES = ['off', 'info', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type ServiceKind = 'service' | 'library' | 'test-support';

export interface ServiceConfig {
  name: string;
  /** repo-relative folders or globs, without a trailing slash */
  paths: string[];
  kind: ServiceKind;
  packages: string[];
}

export interface RuleSetting {
  severity?: Severity;
  options: Record<string, unknown>;
}

export interface Config {
  /** the file it came from, relative to the scan root (for messages) */
  source: string;
  services: ServiceConfig[];
  pythonRoots: string[];
  /** `3.X`, the Python the repository targets: its grammar decides what is a syntax error (python.version, else
   * detected from the repository by loadConfig; unset only for a config parsed without a repository) */
  pythonVersion?: string;
  files: { exclude: string[]; tests: string[]; production: string[]; useDefaults: boolean; maxBytes: number; maxSeconds: number };
  /** the rule settings the file gives (a severity, options) */
  rules: Record<string, RuleSetting>;
  /** the presets of `extends`, in order (without the `comply:` prefix): the engine resolves them with the rules'
   * declared preset severities, so that loading a config needs no rule */
  presets: string[];
  ledger: { path: string };
  gate: { minScore?: number };
}

export class ConfigError extends UserError {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Validator = ReturnType<Ajv['compile']>;
let validator: Validator | undefined;
let schemaText: string | undefined;
const require = createRequire(import.meta.url);

function configSchemaText(): string {
  schemaText ??= readFileSync(join(packageRoot(), 'schema', 'compliance.schema.json'), 'utf8');
  return schemaText;
}

export function configSchema(): Record<string, unknown> {
  return JSON.parse(configSchemaText()) as Record<string, unknown>;
}

/**
 * The schema's validator: the one `npm run build` compiled (scripts/build-validator.mjs) when it was built from
 * this very schema, else compiled here (running from sources, or a schema edited since the build).
 */
export function validate(prebuilt = true): Validator {
  if (validator) return validator;
  if (prebuilt) {
    try {
      const built = require('./config-validator.cjs') as { default: Validator; schemaHash: string };
      if (built.schemaHash === createHash('sha1').update(configSchemaText()).digest('hex')) return (validator = built.default);
    } catch {
      // not built: compile below
    }
  }
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  // the options must stay those of scripts/build-validator.mjs
  const compiled = new AjvClass({ allErrors: true, strict: false, verbose: true }).compile(configSchema());
  if (prebuilt) validator = compiled;
  return compiled;
}

/** Find and load the config for a scan root (`explicit` is `--config`). */
export function loadConfig(root: string, explicit?: string): Config {
  const shown = explicit ?? CONFIG_FILE;
  // the default config is the checkout's (hostile in a pull request): inside the root, never through a link; a
  // --config file is the user's own choice, followed where they point, but still a regular file and bounded
  let bytes: Buffer | undefined;
  try {
    bytes = explicit ? readBounded(resolve(explicit), shown, CONFIG_MAX_BYTES, { follow: true }) : readContained(root, CONFIG_FILE, { what: 'the config', maxBytes: CONFIG_MAX_BYTES });
  } catch (e) {
    if (e instanceof ContainmentError) throw new ConfigError(e.message, shown);
    throw e;
  }
  if (bytes === undefined) {
    throw new ConfigError(
      explicit
        ? `${shown}: no such file.`
        : `no ${CONFIG_FILE} in ${root}. Run \`comply init\` there to write one from the services it finds, or pass --config FILE.`,
      shown,
    );
  }
  // a byte-order mark is what some editors on Windows write: not an error
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const where = jsonErrorLocation(text, e as Error);
    throw new ConfigError(
      `${shown}${where ? `:${where.line}:${where.column}` : ''}: not valid JSON (${(e as Error).message}). Fix the syntax; comments and trailing commas are not allowed.`,
      shown,
    );
  }
  // without python.version, the workspace reads the target from the repository (buildWorkspace)
  return parseConfig(raw, explicit ? relative(root, resolve(explicit)) || shown : CONFIG_FILE);
}

/** Validate and normalise an already parsed config object. */
export function parseConfig(raw: unknown, source: string): Config {
  const check = validate();
  if (!check(raw)) throw new ConfigError(`${source}: ${describeError(pickError(check.errors ?? []), raw)}`, source);
  const bad = invalidPattern(raw, configSchema());
  if (bad) throw new ConfigError(`${source}: ${bad.key}: invalid regular expression ${JSON.stringify(bad.pattern)} (${bad.why}).`, source);
  // the defaults are the schema's (src/config/compliance.base.schema.json), written there once; a rule's options
  // get theirs when it runs
  const { rules: _rules, ...properties } = (configSchema() as { properties: Record<string, unknown> }).properties;
  const c = applyDefaults(properties, raw as Record<string, unknown>) as {
    services: Record<string, { paths: string[]; kind: ServiceKind; packages?: string[] }>;
    python: { roots: string[]; version?: string };
    files: { exclude: string[]; tests: string[]; production: string[]; useDefaults: boolean; maxBytes: number; maxSeconds: number };
    rules?: Record<string, Severity | ({ severity?: Severity } & Record<string, unknown>)>;
    ledger: { path: string };
    gate?: { minScore?: number };
    extends?: string | string[];
  };
  const services: ServiceConfig[] = Object.entries(c.services).map(([name, s]) => {
    const paths = s.paths.map((p, i) => inside(p, `services.${name}.paths[${i}]`, source));
    return {
      name,
      paths,
      kind: s.kind,
      packages: s.packages ?? paths.filter((p) => !/[*?[{]/.test(p)).map((p) => p.split('/').pop()!).filter((p) => p !== '.'),
    };
  });
  const ledgerPath = inside(c.ledger.path, 'ledger.path', source);
  if (ledgerPath === '.') throw new ConfigError(`${source}: ledger.path: "${c.ledger.path}" names the repository root; give a file, e.g. ".comply/ledger.json".`, source);
  // the file's own settings; the presets fill in the severities it does not give when the rules run
  const rules: Record<string, RuleSetting> = {};
  for (const [id, setting] of Object.entries(c.rules ?? {})) {
    if (typeof setting === 'string') rules[id] = { severity: setting, options: {} };
    else {
      const { severity, ...options } = setting;
      rules[id] = severity ? { severity, options } : { options };
    }
  }
  return {
    source,
    services,
    pythonRoots: c.python.roots.map((p, i) => inside(p, `python.roots[${i}]`, source)),
    ...(c.python.version ? { pythonVersion: c.python.version } : {}),
    files: {
      exclude: c.files.exclude,
      tests: c.files.tests,
      production: c.files.production,
      useDefaults: c.files.useDefaults,
      maxBytes: c.files.maxBytes,
      maxSeconds: c.files.maxSeconds,
    },
    rules,
    presets: ([] as string[]).concat(c.extends ?? []).map((p) => p.replace(/^comply:/, '')),
    ledger: { path: ledgerPath },
    gate: c.gate?.minScore !== undefined ? { minScore: c.gate.minScore } : {},
  };
}

/** A repo-relative path from the config, normalised; one that leaves the repository is an error naming the key
 * (never a read of what it points at). */
function inside(p: string, key: string, source: string): string {
  try {
    return containedPath(p, key);
  } catch (e) {
    throw new ConfigError(`${source}: ${(e as Error).message} Paths in the config are relative to the repository root.`, source);
  }
}

/** The most useful of ajv's errors: the deepest one, preferring unknown keys and types over oneOf noise. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const useful = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  let pool = useful.length > 0 ? useful : errors;
  // a string where a oneOf allows a string enum or an object: the enum error says more than "expected object"
  const atPath = (e: ErrorObject): ErrorObject[] => pool.filter((o) => o.instancePath === e.instancePath && o !== e);
  pool = pool.filter((e) => !(e.keyword === 'type' && atPath(e).some((o) => o.keyword !== 'type')));
  // inside a oneOf (severity string | options object), report against the branch the user meant
  const sorted = [...pool].sort((a, b) => depth(b.instancePath) - depth(a.instancePath) || rank(a) - rank(b));
  return sorted[0]!;
}

function depth(p: string): number {
  return p.split('/').length;
}
function rank(e: ErrorObject): number {
  return e.keyword === 'additionalProperties' ? 0 : e.keyword === 'enum' ? 2 : e.keyword === 'type' ? 1 : 3;
}

function keyPath(instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

function valueAt(raw: unknown, instancePath: string): unknown {
  let v: unknown = raw;
  for (const p of instancePath.split('/').slice(1)) {
    if (v && typeof v === 'object') v = (v as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    else return undefined;
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function describeError(e: ErrorObject, raw: unknown): string {
  const key = keyPath(e.instancePath);
  const found = valueAt(raw, e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const parentSchema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const hint = didYouMean(extra, allowed);
      const where = e.instancePath ? `${key}.${extra}` : extra;
      return `unknown key "${where}"${hint ? `; did you mean "${hint}"?` : ''} Allowed here: ${allowed.join(', ')}.`;
    }
    case 'required':
      return `${key}: missing the required key "${(e.params as { missingProperty: string }).missingProperty}".`;
    case 'type':
      return `${key}: expected ${(e.params as { type: string }).type}, found ${show(found)}.`;
    case 'enum':
      return `${key}: expected one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}, found ${show(found)}.`;
    case 'minItems':
      return `${key}: expected at least ${(e.params as { limit: number }).limit} item(s), found ${show(found)}.`;
    case 'minProperties':
      return `${key}: expected at least ${(e.params as { limit: number }).limit} entry, found an empty object.`;
    case 'minLength':
      return `${key}: expected a non-empty string, found ${show(found)}.`;
    case 'minimum':
      return `${key}: expected a number >= ${(e.params as { limit: number }).limit}, found ${show(found)}.`;
    case 'maximum':
      return `${key}: expected a number <= ${(e.params as { limit: number }).limit}, found ${show(found)}.`;
    case 'pattern':
    case 'propertyNames':
      return `${key}: invalid name ${show((e.params as { propertyName?: string }).propertyName ?? found)} (${e.message ?? ''}).`;
    default:
      return `${key}: ${e.message ?? 'invalid'}, found ${show(found)}.`;
  }
}
