/**
 * The YAML and TOML parsers, loaded when a file of theirs is first read: a scan whose runner configs are known by
 * content (runners.json) reads none, and loading both took 27 ms of every scan's start-up.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

type Yaml = typeof import('yaml');
type YamlOptions = import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions & import('yaml').ToJSOptions;

/** YAML as data. The library's warnings (an unknown tag such as compose's `!reset`) are never printed: they would
 * reach the user as a Node process warning naming no file; what the data says is read all the same. */
export function parseYaml(text: string, options?: YamlOptions): unknown {
  return (load('yaml') as Yaml).parse(text, { logLevel: 'error', ...options });
}

export function parseToml(text: string): unknown {
  return (load('smol-toml') as typeof import('smol-toml')).parse(text);
}
