import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containedPath, ContainmentError, presentContained, readContained, writeContained } from '../src/util/safe-fs.js';
import { hashTree } from './hostile.js';
import { tempDir } from './helpers.js';

function box(): { outside: string; root: string } {
  const outside = tempDir('comply-safefs-');
  const root = join(outside, 'repo');
  mkdirSync(root);
  writeFileSync(join(outside, 'victim.txt'), 'keep\n');
  return { outside, root };
}

describe('containment', () => {
  it('normalises paths and refuses those that leave the root', () => {
    expect(containedPath('./a//b/../c/', 'k')).toBe('a/c');
    expect(containedPath('.', 'k')).toBe('.');
    for (const bad of ['../x', 'x/../../outside/L.json', 'a/../../../../etc/passwd', '/etc/passwd', 'C:/x']) {
      expect(() => containedPath(bad, 'ledger.path')).toThrow(/ledger\.path: .*(outside the repository|absolute)/);
    }
  });

  it('never writes through a link: not at the file, not at a folder on the way', () => {
    const { outside, root } = box();
    mkdirSync(join(root, '.comply', 'cache'), { recursive: true });
    symlinkSync('../../../victim.txt', join(root, '.comply', 'cache', '.gitignore'));
    symlinkSync(outside, join(root, 'linked'));
    const before = hashTree(outside, new Set([root]));
    expect(() => writeContained(root, '.comply/cache/.gitignore', '*\n', 'the cache')).toThrow(/\.comply\/cache\/\.gitignore is a symbolic link/);
    expect(() => writeContained(root, 'linked/L.json', '{}', 'ledger.path')).toThrow(/linked is a symbolic link/);
    expect(() => writeContained(root, 'linked/new/L.json', '{}', 'ledger.path')).toThrow(ContainmentError);
    expect(hashTree(outside, new Set([root]))).toBe(before);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('keep\n');
  });

  it('writes atomically and removes temporary files that a killed writer left', () => {
    const { root } = box();
    mkdirSync(join(root, '.comply'));
    // a writer that died: a pid that cannot be running
    writeFileSync(join(root, '.comply', 'ledger.json.999999999.abc123.tmp'), 'half');
    writeContained(root, '.comply/ledger.json', 'whole\n', 'ledger.path');
    expect(readdirSync(join(root, '.comply'))).toEqual(['ledger.json']);
    expect(readFileSync(join(root, '.comply', 'ledger.json'), 'utf8')).toBe('whole\n');
  });

  it('says whether a path the repository names is there without looking through a link', () => {
    const { outside, root } = box();
    mkdirSync(join(root, 'app', 'src'), { recursive: true });
    writeFileSync(join(root, 'app', 'main.py'), '');
    symlinkSync(outside, join(root, 'linked'));
    expect(presentContained(root, 'app', 'COPY')).toBe(true);
    expect(presentContained(root, 'app/main.py', 'COPY')).toBe(true);
    expect(presentContained(root, 'app/gone', 'COPY')).toBe(false);
    expect(presentContained(root, 'app/main.py/x', 'COPY')).toBe(false);
    // a link is there, and never followed: what is beyond it (here outside the repository) is not looked at
    expect(presentContained(root, 'linked', 'COPY')).toBe(true);
    expect(presentContained(root, 'linked/no-such-file', 'COPY')).toBe(true);
    expect(() => presentContained(root, '../victim.txt', 'COPY')).toThrow(/outside the repository/);
  });

  it('reads only regular files, bounded, never through a link', () => {
    const { outside, root } = box();
    symlinkSync(join(outside, 'victim.txt'), join(root, 'tsconfig.json'));
    symlinkSync('/dev/zero', join(root, 'zero.json'));
    execFileSync('mkfifo', [join(root, 'fifo.json')]);
    writeFileSync(join(root, 'big.json'), 'x'.repeat(2000));
    writeFileSync(join(root, 'ok.json'), '{}');
    const read = (rel: string) => readContained(root, rel, { what: 'tsconfig', maxBytes: 1000 });
    expect(() => read('tsconfig.json')).toThrow(/tsconfig\.json is a symbolic link/);
    expect(() => read('zero.json')).toThrow(/zero\.json is a symbolic link/);
    expect(() => read('fifo.json')).toThrow(/fifo\.json is not a regular file/);
    expect(() => read('big.json')).toThrow(/big\.json is 2000 bytes, over the limit of 1000 bytes/);
    expect(read('missing.json')).toBeUndefined();
    expect(read('ok.json')?.toString()).toBe('{}');
  });
});
