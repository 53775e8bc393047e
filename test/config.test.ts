import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, type Config } from '../src/config/load.js';
import { ruleSeverity } from '../src/engine/rule.js';
import { buildWorkspace } from '../src/workspace/workspace.js';
import { tempDir } from './helpers.js';
import { RULES, ruleById } from '../rules/index.js';
import { configSchema } from '../src/config/load.js';
import { existsSync } from 'node:fs';

function configError(raw: unknown): string {
  try {
    parseConfig(raw, 'compliance.config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const ok = { services: { api: { paths: ['api'] } } };

describe('config validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const c = parseConfig(ok, 'c.json');
    expect(c.services).toEqual([{ name: 'api', paths: ['api'], kind: 'service', packages: ['api'] }]);
    expect(c.pythonRoots).toEqual(['.']);
    expect(c.files.useDefaults).toBe(true);
  });

  it('names an unknown key and suggests the right one', () => {
    expect(configError({ servics: {} })).toMatch(/unknown key "servics"; did you mean "services"\?/);
    expect(configError({ ...ok, rules: { 'cross-service-imports': 'error' } })).toMatch(
      /unknown key "rules.cross-service-imports"; did you mean "cross-service-import"\?/,
    );
    expect(configError({ services: { api: { paths: ['api'], knd: 'library' } } })).toMatch(/"services.api.knd"; did you mean "kind"/);
  });

  it('says what was expected and what was found', () => {
    expect(configError({ services: { api: { paths: 'api' } } })).toMatch(/services\.api\.paths: expected array, found string "api"/);
    expect(configError({ services: { api: { paths: ['api'], kind: 'lib' } } })).toMatch(
      /services\.api\.kind: expected one of "service", "library", "test-support", found string "lib"/,
    );
    expect(configError({ ...ok, rules: { 'parse-error': 'eror' } })).toMatch(/rules\.parse-error: expected one of "off", "info", "warning", "error", found string "eror"/);
    expect(configError({ ...ok, files: { maxBytes: 0 } })).toMatch(/files\.maxBytes: expected a number >= 1, found number 0/);
  });

  it('requires services', () => {
    expect(configError({})).toMatch(/missing the required key "services"/);
    expect(configError({ services: {} })).toMatch(/services: expected at least 1 entry/);
  });

  it('rejects service paths outside the repository', () => {
    expect(configError({ services: { api: { paths: ['../elsewhere'] } } })).toMatch(/outside the repository/);
  });

  it('reports invalid JSON with the file, line and column', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'compliance.config.json'), '{\n  "services": {,}\n}\n');
    expect(() => loadConfig(dir)).toThrow(/compliance\.config\.json:2:\d+: not valid JSON/);
  });

  it('explains a missing config', () => {
    expect(() => loadConfig(tempDir())).toThrow(/no compliance\.config\.json in .*comply init/);
  });

  it('treats a service path that matches no file as an error, with a hint', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'auth_service'));
    writeFileSync(join(dir, 'auth_service', 'main.py'), 'x = 1\n');
    const config = parseConfig({ services: { auth: { paths: ['auth_servce'] } } }, 'compliance.config.json');
    expect(() => buildWorkspace(dir, config)).toThrow(/services\.auth\.paths\[0\]: "auth_servce" matches no source file.*did you mean "auth_service"/);
  });

  it('treats a tests glob that matches nothing as an error', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'api'));
    writeFileSync(join(dir, 'api', 'main.py'), 'x = 1\n');
    const config = parseConfig({ ...ok, files: { tests: ['**/spec_*.py'] } }, 'compliance.config.json');
    expect(() => buildWorkspace(dir, config)).toThrow(/files\.tests\[0\]: "\*\*\/spec_\*\.py" matches no source file/);
  });
});

describe('the config schema and the rule registry', () => {
  it('describe the same rules, and each rule has its documentation', () => {
    const inSchema = Object.keys((configSchema() as { properties: { rules: { properties: object } } }).properties.rules.properties).sort();
    expect(inSchema).toEqual(RULES.map((r) => r.meta.id).sort());
    for (const r of RULES) expect(existsSync(join(import.meta.dirname, '..', 'rules', r.meta.id, 'README.md')), r.meta.id).toBe(true);
  });
});

describe('presets', () => {
  it('recommended turns the size limits on as warnings, strict makes every rule an error, and own settings win', () => {
    const sev = (c: Config, id: string) => ruleSeverity(ruleById(id)!.meta, c);
    const rec = parseConfig({ ...ok, extends: 'comply:recommended' }, 'c.json');
    expect([sev(rec, 'file-size'), sev(rec, 'function-size'), sev(rec, 'legacy-file-name'), sev(rec, 'parse-error')]).toEqual(['warning', 'warning', 'warning', 'error']);
    const strict = parseConfig({ ...ok, extends: ['comply:strict'], rules: { 'parse-error': 'warning', 'function-size': { production: 30 } } }, 'c.json');
    expect(sev(strict, 'duplicate-type')).toBe('error');
    expect(sev(strict, 'parse-error')).toBe('warning');
    expect([sev(strict, 'function-size'), strict.rules['function-size']?.options]).toEqual(['error', { production: 30 }]);
    // the last preset that sets a rule's severity wins: recommended sets only the size limits
    const both = parseConfig({ ...ok, extends: ['comply:strict', 'comply:recommended'] }, 'c.json');
    expect([sev(both, 'file-size'), sev(both, 'legacy-file-name')]).toEqual(['warning', 'error']);
    expect(configError({ ...ok, extends: 'comply:lenient' })).toMatch(/extends/);
  });
});
