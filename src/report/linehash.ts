/**
 * GitHub code scanning's `primaryLocationLineHash`: for every line, a hash of the first 100 characters from the
 * line's start, spaces and tabs skipped and line endings normalised to `\n`, with a marker (65535) then zeros after
 * the end of the file; the hash is Σ c_i·37^(99−i) mod 2^64 in hex, followed by `:n`, n counting the lines of the
 * file with the same hash so far. Computed in one pass with 64-bit arithmetic kept in two exact 32-bit halves.
 */
const BLOCK = 100;
const TWO32 = 0x100000000;

/** 37^100 mod 2^64 as [hi, lo] */
const FIRST_MOD: [number, number] = (() => {
  let v = 1n;
  for (let i = 0; i < BLOCK; i++) v = (v * 37n) & 0xffffffffffffffffn;
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
})();

/** Hash of every line (index 0 is line 1). */
export function lineHashes(text: string): string[] {
  const window = new Array<number>(BLOCK).fill(0);
  const lineAt = new Array<number>(BLOCK).fill(-1);
  const out: string[] = [];
  const counts = new Map<string, number>();
  let hi = 0;
  let lo = 0;
  let index = 0;
  let line = 0;
  let lineStart = true;
  let prevCR = false;

  const emit = (): void => {
    const hex = hi > 0 ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16);
    const n = (counts.get(hex) ?? 0) + 1;
    counts.set(hex, n);
    out[lineAt[index]! - 1] = `${hex}:${n}`;
    lineAt[index] = -1;
  };
  const update = (c: number): void => {
    const begin = window[index]!;
    window[index] = c;
    // (hi, lo) = 37·(hi, lo) + c − FIRST_MOD·begin, mod 2^64
    let l = lo * 37 + c;
    let h = hi * 37 + Math.floor(l / TWO32);
    l %= TWO32;
    const pl = FIRST_MOD[1] * begin;
    const ph = FIRST_MOD[0] * begin + Math.floor(pl / TWO32);
    l -= pl % TWO32;
    h -= ph % TWO32;
    if (l < 0) {
      l += TWO32;
      h -= 1;
    }
    h %= TWO32;
    if (h < 0) h += TWO32;
    hi = h;
    lo = l;
    index = (index + 1) % BLOCK;
  };
  const put = (ch: number): void => {
    if (ch === 32 || ch === 9 || (prevCR && ch === 10)) {
      prevCR = false;
      return;
    }
    let c = ch;
    if (c === 13) {
      c = 10;
      prevCR = true;
    } else prevCR = false;
    if (lineAt[index] !== -1) emit();
    if (lineStart) {
      lineStart = false;
      line++;
      lineAt[index] = line;
    }
    if (c === 10) lineStart = true;
    update(c);
  };
  for (let i = 0; i < text.length; i++) put(text.charCodeAt(i));
  put(65535);
  for (let i = 0; i < BLOCK; i++) {
    if (lineAt[index] !== -1) emit();
    update(0);
  }
  return out;
}
