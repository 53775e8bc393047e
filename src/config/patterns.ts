/**
 * The regular expressions of a config, compiled when it loads: every string the schema marks with
 * `"x-regex": true` (rule options such as `unjustified-mock.extraForms`). A pattern RE2 refuses is a config error
 * naming its key, before any file is read, rather than a crash in the middle of a scan. Rules then compile the
 * same patterns with src/util/regex.ts.
 */
import { patternProblem } from '../util/regex.js';

type SchemaNode = Record<string, unknown>;

/** The first invalid pattern in `raw` (already valid against `schema`): its key, as messages show keys, and why. */
export function invalidPattern(raw: unknown, schema: SchemaNode): { key: string; pattern: string; why: string } | undefined {
  const resolve = (node: SchemaNode): SchemaNode => {
    const ref = node.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
    let at: unknown = schema;
    for (const part of ref.slice(2).split('/')) at = (at as SchemaNode | undefined)?.[part];
    return (at as SchemaNode | undefined) ?? {};
  };
  const visit = (value: unknown, node: SchemaNode, key: string): { key: string; pattern: string; why: string } | undefined => {
    node = resolve(node);
    if (node['x-regex'] === true && typeof value === 'string') {
      const why = patternProblem(value);
      return why === undefined ? undefined : { key, pattern: value, why };
    }
    for (const branch of [...((node.oneOf as SchemaNode[] | undefined) ?? []), ...((node.anyOf as SchemaNode[] | undefined) ?? []), ...((node.allOf as SchemaNode[] | undefined) ?? [])]) {
      const bad = visit(value, branch, key);
      if (bad) return bad;
    }
    if (Array.isArray(value) && node.items && typeof node.items === 'object') {
      for (let i = 0; i < value.length; i++) {
        const bad = visit(value[i], node.items as SchemaNode, `${key}[${i}]`);
        if (bad) return bad;
      }
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const props = (node.properties as Record<string, SchemaNode> | undefined) ?? {};
      const extra = node.additionalProperties && typeof node.additionalProperties === 'object' ? (node.additionalProperties as SchemaNode) : undefined;
      for (const [k, v] of Object.entries(value)) {
        const sub = Object.hasOwn(props, k) ? props[k] : extra;
        if (!sub) continue;
        const bad = visit(v, sub, key ? `${key}.${k}` : k);
        if (bad) return bad;
      }
    }
    return undefined;
  };
  return visit(raw, schema, '');
}
