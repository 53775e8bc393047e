/**
 * Issue 14, items 4 and 5 ("safe output"): names and strings from a hostile checkout reach the terminal, the
 * markdown summary, SARIF and HTML as text, never as control sequences or markup. One scratch repo per item, made
 * by the harness in test/hostile.ts; the escape functions themselves are checked with properties below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAscii } from 'node:buffer';
import { asciiJson, jsonSafe, jsonText, mdCode, mdText, printable, uriPath } from '../src/util/escape.js';
import { main } from '../src/cli/main.js';
import { comply, scratch } from './hostile.js';
import { tempDir } from './helpers.js';
import { sarifValidator } from './sarif-schema.js';

/** what must never reach a terminal raw: C0 but the newline, DEL, C1, bidi controls, separators */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const ESC_NAME = 'svc_a/\x1b]0;pwned\x07x.py'; // sets the window title
const C1_NAME = 'svc_a/c1\x9b2J.py'; // CSI 2 J (clear screen) on 8-bit terminals
const BIDI_NAME = 'svc_a/\u202eyp.txt.py'; // shows as "svc_a/yp.txt.py" reversed: a Trojan Source name

describe('hostile output (issue 14)', () => {
  it('4: control characters from file names, import strings, ledger and config are escaped visibly on the terminal', async () => {
    const s = await scratch();
    const before = s.hashOutside();
    s.write({
      [ESC_NAME]: 'import svc_b.main\n',
      [C1_NAME]: 'import svc_b.main\n',
      [BIDI_NAME]: 'import svc_b.main\n',
      'svc_a/web/x.ts': 'import "svc_b/\x1b[2J\x1b[3J";\nexport {};\n',
      'svc_\x1b[2J/__init__.py': '',
      'svc_\x1b[2J/pyproject.toml': '[project]\nname = "x"\n',
      'svc_\x1b[2J/m.py': 'import svc_b.main\n',
    });
    // init prints the folder it found, escaped, and keeps it out of the config: not a valid service name
    const init = await comply('init', s.root, '--dry-run');
    expect(init.code).toBe(0);
    expect(init.stderr).toContain('  svc_\\x1b[2J: not a service (its name "svc_\\u001b[2J" is not a valid service name');
    expect(init.stdout).not.toContain('svc_\\u001b');
    expect(init.stdout + init.stderr).not.toMatch(RAW_CONTROL);
    s.commit();

    const scan = await comply('scan', s.root, '--no-cache');
    expect(scan.code, scan.stderr).toBe(1);
    const out = scan.stdout + scan.stderr;
    expect(out).not.toMatch(RAW_CONTROL);
    expect(scan.stdout).toContain('svc_a/\\x1b]0;pwned\\x07x.py  (svc_a, production)');
    expect(scan.stdout).toContain('svc_a/c1\\x9b2J.py  (svc_a, production)');
    expect(scan.stdout).toContain('svc_a/\\u202eyp.txt.py  (svc_a, production)');
    expect(scan.stdout).toContain('imports "svc_b/\\x1b[2J\\x1b[3J" from service svc_b');

    // in colour, comply's own SGR codes are the only escape sequences
    let colored = '';
    expect(await main(['node', 'comply', 'scan', s.root, '--no-cache'], { stdout: (t) => (colored += t), stderr: () => {}, isTTY: true })).toBe(1);
    expect(colored).toMatch(/\x1b\[31merror {2}\x1b\[0m/);
    expect(colored.replace(/\x1b\[\d+m/g, '')).not.toMatch(RAW_CONTROL);

    // --json: the same strings as \u escapes, the same values when parsed
    const json = await comply('scan', s.root, '--no-cache', '--json');
    expect(json.code).toBe(1);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    const paths = (JSON.parse(json.stdout) as { findings: { path: string }[] }).findings.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([ESC_NAME, C1_NAME, BIDI_NAME]));

    // the ledger holds the names; a fixed entry prints them again, and `ledger status` prints its path
    const update = await comply('ledger', 'update', s.root);
    expect(update.code).toBe(0);
    expect(update.stdout).not.toMatch(RAW_CONTROL);
    s.write({ [ESC_NAME]: '' });
    const fixed = await comply('scan', s.root, '--no-cache');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('  svc_a/\\x1b]0;pwned\\x07x.py  cross-service-import  svc_b.main');
    expect(fixed.stdout).not.toMatch(RAW_CONTROL);
    const config = JSON.parse(readFileSync(join(s.root, 'compliance.config.json'), 'utf8')) as Record<string, unknown>;
    s.write({ 'compliance.config.json': JSON.stringify({ ...config, ledger: { path: '.comply/\u202eL.json' } }) });
    const status = await comply('ledger', 'status', s.root);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^\.comply\/\\u202eL\.json \(missing: everything is new\)\n/);
    expect(status.stdout).not.toMatch(RAW_CONTROL);

    // the one error line: a config key echoed in the message
    s.write({ 'compliance.config.json': JSON.stringify({ ...config, '\x1b]0;pwned\x07': 1 }) });
    const bad = await comply('scan', s.root);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^comply: [^\n]*"\\x1b\]0;pwned\\x07"[^\n]*\n$/);
    expect(bad.stderr).not.toMatch(RAW_CONTROL);

    expect(s.hashOutside()).toBe(before);
  }, 60_000);

  it('5: markdown, SARIF and HTML carry hostile names and import strings as text', async () => {
    const s = await scratch();
    const before = s.hashOutside();
    const pathological = ['svc_a/a`b|c.py', 'svc_a/issue#12?.py', 'svc_a/new\nline.py', 'svc_a/100% sure.py', ESC_NAME];
    s.write({
      ...Object.fromEntries(pathological.map((p) => [p, 'import svc_b.main\n'])),
      'svc_a/web/x.ts': 'import "svc_b/<img src=x onerror=alert(1)>";\nimport "svc_b/[link](http://evil) ![i](http://evil/i.png) @octocat #12";\nexport {};\n',
    });
    s.commit();
    const out = tempDir('comply-hostile-out-');
    const r = await comply('scan', s.root, '--no-cache', '--markdown', join(out, 'pr.md'), '--sarif', join(out, 'pr.sarif'), '--html', join(out, 'pr.html'), '--json');
    expect(r.code).toBe(1);
    const findings = (JSON.parse(r.stdout) as { findings: { path: string; line: number; message: string }[] }).findings;
    expect(findings.map((f) => f.path)).toEqual(expect.arrayContaining(pathological));

    // markdown: one table row per finding, four cells each, no markup outside code spans
    const md = readFileSync(join(out, 'pr.md'), 'utf8');
    const rows = md.split('\n').filter((l) => /^\| 🔴 /.test(l));
    expect(rows).toHaveLength(findings.length);
    for (const row of rows) expect(row.match(/(?<!\\)\|/g), row).toHaveLength(5);
    for (const line of md.split('\n').slice(1)) {
      const text = outsideCodeSpans(line);
      expect(text, line).not.toMatch(/[<>]/); // no raw HTML: `<img src=x ...>` arrives as text
      expect(text, line).not.toMatch(/(?<!\\)[[\]]/); // no link, image or reference
    }
    expect(md).toContain('| ``svc_a/a`b\\|c.py:1`` |'); // a longer fence; the pipe escaped for the table
    expect(md).toContain('| `svc_a/new\\nline.py:1` |');
    expect(md).toContain('| `svc_a/\\x1b]0;pwned\\x07x.py:1` |');
    expect(md).toContain('"svc\\_b/&lt;img src=x onerror=alert\\(1\\)&gt;"');
    expect(md).toContain('\\[link\\]\\(http://evil\\) \\!\\[i\\]\\(http://evil/i.png\\) @\u2060octocat \\#\u206012');
    expect(md).not.toMatch(RAW_CONTROL);

    // SARIF: valid, each URI an RFC 3986 reference that decodes once to the path
    const sarif = JSON.parse(readFileSync(join(out, 'pr.sarif'), 'utf8')) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }[] }[];
    };
    expect(sarifValidator()(sarif)).toEqual([]);
    const locations = sarif.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation);
    for (const l of locations) {
      expect(l.uri).toMatch(/^[A-Za-z0-9\-._~%/]+$/);
      expect(l.uriBaseId).toBe('%SRCROOT%');
    }
    const decoded = locations.map((l) => l.uri.split('/').map(decodeURIComponent).join('/'));
    expect(decoded.sort()).toEqual(findings.map((f) => f.path).sort());
    expect(locations.map((l) => l.uri)).toEqual(expect.arrayContaining(['svc_a/issue%2312%3F.py', 'svc_a/a%60b%7Cc.py', 'svc_a/100%25%20sure.py', 'svc_a/new%0Aline.py']));

    // HTML: no element from the repo's strings; the embedded data holds them unchanged
    const html = readFileSync(join(out, 'pr.html'), 'utf8');
    expect(html).not.toMatch(/<img/i);
    const data = JSON.parse(/<script type="application\/json" id="data">([^<]*)<\/script>/.exec(html)![1]!) as { findings: { path: string; message: string }[] };
    expect(data.findings.map((f) => f.path)).toEqual(expect.arrayContaining(pathological));
    expect(data.findings.some((f) => f.message.includes('"svc_b/<img src=x onerror=alert(1)>"'))).toBe(true);

    expect(s.hashOutside()).toBe(before);
  }, 60_000);
});

describe('escape functions', () => {
  const anything = fc.string({ unit: 'binary', maxLength: 40 });
  const tricky = fc.string({ unit: fc.constantFrom('a', ' ', '|', '`', '\\', '\n', '\t', '<', '>', '&', '[', ']', '(', ')', '!', '@', '#', '1', '.', '-', '\x1b', '\x9b', '\u202e', '\u2066', 'é'), maxLength: 24 });
  const inputs = fc.oneof(anything, tricky);

  it('printable: never a raw control, bidi or separator character; printable text unchanged', () => {
    fc.assert(fc.property(inputs, (s) => !RAW_CONTROL.test(printable(s)) && !printable(s).includes('\n')));
    fc.assert(fc.property(inputs, (s) => printable(s, { newlines: true }).split('\n').length === s.split('\n').length));
    expect(printable('a\x1b]0;t\x07b\t\r\n\x7f\x9b\u202e\u2069é€😀')).toBe('a\\x1b]0;t\\x07b\\t\\r\\n\\x7f\\x9b\\u202e\\u2069é€😀');
    expect(printable('\ud800x')).toBe('\\ud800x'); // a lone surrogate is shown, not passed on
  });

  it('jsonSafe: the same JSON value, with nothing raw in it', () => {
    fc.assert(
      fc.property(fc.array(inputs), (xs) => {
        const text = jsonSafe(JSON.stringify({ xs }, null, 2));
        return !RAW_CONTROL.test(text) && JSON.stringify(JSON.parse(text)) === JSON.stringify({ xs });
      }),
    );
  });

  it("asciiJson: comply's state files are ASCII bytes that read back (jsonText) as the same value, lone surrogates too", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(inputs, fc.string({ unit: 'grapheme', maxLength: 8 }))), (xs) => {
        const bytes = asciiJson({ xs });
        return isAscii(bytes) && JSON.stringify(JSON.parse(jsonText(bytes))) === JSON.stringify({ xs });
      }),
    );
    // a file written as UTF-8 (an older comply) still reads
    expect(JSON.parse(jsonText(Buffer.from(JSON.stringify(['↳ é 😀']))))).toEqual(['↳ é 😀']);
  });

  it('mdText: no newline, no unescaped pipe, no HTML; it reads back as the printable value', () => {
    fc.assert(
      fc.property(inputs, (s) => {
        const t = mdText(s);
        return !t.includes('\n') && !/(?<!\\)\|/.test(t) && !/[<>]/.test(t) && !RAW_CONTROL.test(t) && readMdText(t) === printable(s).replace(/\u2060/g, '');
      }),
    );
    expect(mdText('- <img src=x> [a](b) @me #1 *x* __init__')).toBe('\\- &lt;img src=x&gt; \\[a\\]\\(b\\) @\u2060me \\#\u20601 \\*x\\* \\_\\_init\\_\\_');
    expect(mdText('12. x')).toBe('12\\. x');
  });

  it('mdCode: the span closes only at its own fence and reads back as the printable value', () => {
    fc.assert(
      fc.property(inputs, fc.boolean(), (s, table) => {
        const c = mdCode(s, { table });
        const fence = /^`+/.exec(c)![0];
        const inner = c.slice(fence.length, c.length - fence.length);
        // no run of exactly the fence's length inside, so the first closing run is the last one
        const runs = inner.match(/`+/g) ?? [];
        if (runs.some((r) => r.length === fence.length) || !c.endsWith(fence) || c.includes('\n')) return false;
        if (table && /(?<!\\)\|/.test(c)) return false;
        const stripped = inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '' ? inner.slice(1, -1) : inner;
        const body = table ? stripped.replace(/\\\|/g, '|') : stripped;
        return body === printable(s) || (s === '' && body === ' ');
      }),
    );
    expect(mdCode('a`b|c', { table: true })).toBe('``a`b\\|c``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
  });

  it('uriPath: only unreserved characters and escapes; each segment decodes once to the original', () => {
    const wellFormed = fc.string({ unit: 'grapheme', maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(wellFormed, tricky), (p) => {
        const u = uriPath(p);
        return /^[A-Za-z0-9\-._~%/]*$/.test(u) && u.split('/').map(decodeURIComponent).join('/') === p;
      }),
    );
    expect(uriPath('svc_a/issue#12?.py')).toBe('svc_a/issue%2312%3F.py');
    expect(uriPath('a/100%20.py')).toBe('a/100%2520.py'); // a literal "%20" stays one: nothing is decoded twice
    expect(uriPath('x:y/é .py')).toBe('x%3Ay/%C3%A9%20.py');
    expect(() => uriPath('a/\ud800')).not.toThrow();
  });
});

/** A line with its code spans (CommonMark backtick runs) removed: what GitHub parses as markup. */
function outsideCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      out += line[i++];
      continue;
    }
    let n = 0;
    while (line[i + n] === '`') n++;
    const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    close.lastIndex = i + n;
    const m = close.exec(line);
    if (m) i = m.index + n;
    else {
      out += line.slice(i, i + n);
      i += n;
    }
  }
  return out;
}

/** What mdText's output renders as: backslash escapes and the entities it writes undone, word joiners dropped. */
function readMdText(t: string): string {
  return t.replace(/\\([!-/:-@[-`{-~])|&lt;|&gt;|&amp;|&#32;|\u2060/g, (m, c: string | undefined) => c ?? ({ '&lt;': '<', '&gt;': '>', '&amp;': '&', '&#32;': ' ' } as Record<string, string>)[m] ?? '');
}

