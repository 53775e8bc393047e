/**
 * Normalised type text, shared by the language adapters so that shapes compare across spellings: whitespace and
 * quotes gone, `typing.` prefixes dropped, Optional/Union and unions in any order made one form, the capitalised
 * Python generics lowered, and TS `Array<T>` written `T[]`.
 */
export function normaliseType(raw: string): string {
  let t = raw.replace(/\s+/g, '').replace(/["'`]/g, '').replace(/[;,]+$/, '');
  t = t.replace(/\btyping(?:_extensions)?\./g, '');
  t = t.replace(/\b(List|Dict|Set|FrozenSet|Tuple|Type)\[/g, (_m, g: string) => `${g.toLowerCase()}[`);
  t = rewriteGeneric(t, 'Optional', (args) => `${args.join(',')}|None`);
  t = rewriteGeneric(t, 'Union', (args) => args.join('|'));
  t = rewriteGeneric(t, 'Array', (args) => `${args.join(',')}[]`, '<', '>');
  return sortUnion(t);
}

/** Rewrite `Name[args]` (or `Name<args>`) with balanced brackets. */
function rewriteGeneric(t: string, name: string, fn: (args: string[]) => string, open = '[', close = ']'): string {
  for (let guard = 0; guard < 50; guard++) {
    const at = findWord(t, `${name}${open}`);
    if (at < 0) return t;
    const start = at + name.length + 1;
    let depth = 1;
    let i = start;
    const args: string[] = [];
    let argStart = start;
    for (; i < t.length && depth > 0; i++) {
      const c = t[i];
      if (c === '[' || c === '<' || c === '(' || c === '{') depth++;
      else if (c === ']' || c === '>' || c === ')' || c === '}') depth--;
      if ((c === ',' && depth === 1) || depth === 0) {
        args.push(t.slice(argStart, i));
        argStart = i + 1;
      }
    }
    if (depth !== 0) return t;
    t = t.slice(0, at) + fn(args.map(sortUnion)) + t.slice(i);
  }
  return t;
}

function findWord(t: string, word: string): number {
  let from = 0;
  for (;;) {
    const i = t.indexOf(word, from);
    if (i < 0) return -1;
    if (i === 0 || !/[\w.$]/.test(t[i - 1]!)) return i;
    from = i + 1;
  }
}

/** Sort the members of a top-level union: `B|A` and `A|B` are one type. */
function sortUnion(t: string): string {
  const parts: string[] = [];
  let depth = 0;
  let s = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '[' || c === '<' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === '>' || c === ')' || c === '}') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(t.slice(s, i));
      s = i + 1;
    }
  }
  if (parts.length === 0) return t;
  parts.push(t.slice(s));
  return [...new Set(parts.filter(Boolean))].sort().join('|');
}
