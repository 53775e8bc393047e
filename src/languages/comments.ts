/** Comment conventions shared by the language adapters. */

const SUPPRESSION = /comply-ignore(?:\[([^\]]*)\])?(?:\s*:\s*(.*?))?\s*(?:\*\/\s*)?$/;
const LENIENT = /comply-ignore(?:\[([^\]]*)\])?/;

/** `comply-ignore[rule-a, rule-b]: reason` inside a comment's text, or undefined when the comment has none. */
export function parseSuppression(comment: string): { rules: string[]; reason: string } | undefined {
  if (!comment.includes('comply-ignore')) return undefined;
  // `comply-ignore[x]` followed by anything but `: reason` has no reason
  const m = SUPPRESSION.exec(comment) ?? LENIENT.exec(comment);
  if (!m) return undefined;
  const rules = (m[1] ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return { rules, reason: (m[2] ?? '').trim() };
}

/** The line a suppression covers: its own line when code precedes it there, else the next line with code.
 * `lines` are the file's physical lines; `isCommentLine` tells comment-only lines of the language. */
export function suppressionTarget(lines: string[], line: number, column: number, isCommentLine: (l: string) => boolean): number {
  const own = lines[line - 1] ?? '';
  if (own.slice(0, column).trim() !== '') return line;
  for (let l = line + 1; l <= lines.length; l++) {
    const t = lines[l - 1]!.trim();
    if (t !== '' && !isCommentLine(t)) return l;
  }
  return line;
}
