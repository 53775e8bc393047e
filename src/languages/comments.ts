/** Comment conventions shared by the language adapters. */

const MARK = 'comply-ignore';

/**
 * `comply-ignore[rule-a, rule-b]: reason` inside a comment's text, or undefined when the comment has none (a mark
 * inside a backtick code span is quoted, not a directive): the first mark followed by a reason or by nothing (a block comment's `*\/` aside), else the first mark, which then
 * has no reason (`comply-ignore[x] because` is not the form). Parsed by position rather than by a regular
 * expression: a lazy reason before an anchored tail backtracked quadratically over a long comment.
 */
export function parseSuppression(comment: string): { rules: string[]; reason: string } | undefined {
  const rulesIn = (span: [number, number] | undefined): string[] =>
    span
      ? comment
          .slice(span[0], span[1])
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean)
      : [];
  let first: [number, number] | undefined | null = null;
  let closeAfter = -2; // the last `]` found (-1: none after where it was looked for)
  let ticks = 0; // backticks before the mark looked at, counted from `counted`
  let counted = 0;
  for (let at = comment.indexOf(MARK); at >= 0; at = comment.indexOf(MARK, at + 1)) {
    for (; counted < at; counted++) if (comment.charCodeAt(counted) === 96) ticks++;
    // inside a code span (`comply-ignore[x]: y`, as documentation quotes it): quoted, not a directive
    if (ticks % 2 === 1) continue;
    let i = at + MARK.length;
    let span: [number, number] | undefined;
    if (comment[i] === '[') {
      if (closeAfter !== -1 && closeAfter < i) closeAfter = comment.indexOf(']', i);
      if (closeAfter >= 0) {
        span = [i + 1, closeAfter];
        i = closeAfter + 1;
      }
    }
    while (i < comment.length && /\s/.test(comment[i]!)) i++;
    if (comment[i] === ':') {
      let reason = comment.slice(i + 1).trim();
      if (reason.endsWith('*/')) reason = reason.slice(0, -2).trim();
      return { rules: rulesIn(span), reason };
    }
    if (i === comment.length || /^\*\/\s*$/.test(comment.slice(i))) return { rules: rulesIn(span), reason: '' };
    if (first === null) first = span;
  }
  return first === null ? undefined : { rules: rulesIn(first), reason: '' };
}

/**
 * The line a suppression covers: its own line when code precedes it there, else the next line with code. Made
 * once per file (`lines`: its physical lines; `isCommentLine` tells comment-only lines of the language), with
 * the next line of code after each line found in one pass from the end: a block of many suppressions costs
 * linear time, not a search per comment.
 */
export function suppressionTargets(lines: string[], isCommentLine: (l: string) => boolean): (line: number, column: number) => number {
  let next: Int32Array | undefined;
  return (line, column) => {
    const own = lines[line - 1] ?? '';
    if (own.slice(0, column).trim() !== '') return line;
    if (!next) {
      // next[l]: the first line after l (1-based) with code, or 0
      next = new Int32Array(lines.length + 2);
      for (let l = lines.length - 1; l >= 1; l--) {
        const t = lines[l]!.trim(); // line l + 1
        next[l] = t !== '' && !isCommentLine(t) ? l + 1 : next[l + 1]!;
      }
    }
    return (line >= 1 && line <= lines.length ? next[line] : 0) || line;
  };
}
