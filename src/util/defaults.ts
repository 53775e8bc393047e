/**
 * Defaults from a JSON Schema: a value (already valid against the schema) with every absent property that has a
 * `default` set to it, in nested objects too: their properties, the values of a map (`additionalProperties`), the
 * items of an array, and the object branch of a `oneOf`. Defaults are copied, never shared. The config's defaults
 * (src/config/compliance.base.schema.json) and each rule's (its meta.options) are written once, in their schema.
 */
export function applyDefaults(properties: Readonly<Record<string, unknown>>, value: Record<string, unknown> | undefined): Record<string, unknown> {
  return fill({ type: 'object', properties }, value ?? {}) as Record<string, unknown>;
}

/** what fill reads of a schema */
interface Node {
  type?: unknown;
  default?: unknown;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  items?: unknown;
  oneOf?: unknown[];
  anyOf?: unknown[];
}

function fill(node: unknown, value: unknown): unknown {
  if (!node || typeof node !== 'object') return value;
  const schema = node as Node;
  if (value === undefined && 'default' in schema) value = structuredClone(schema.default);
  if (Array.isArray(value)) return schema.items && !Array.isArray(schema.items) ? value.map((v) => fill(schema.items, v)) : value;
  if (value === null || typeof value !== 'object') return value;
  const branch = (schema.oneOf ?? schema.anyOf)?.find((b) => typeof b === 'object' && b !== null && (b as Node).type === 'object');
  if (branch) return fill(branch, value);
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const v = fill(s, out[k]);
    if (v !== undefined) out[k] = v;
  }
  const rest = schema.additionalProperties;
  if (rest && typeof rest === 'object') for (const k of Object.keys(out)) if (!schema.properties?.[k]) out[k] = fill(rest, out[k]);
  return out;
}
