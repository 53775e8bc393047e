import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globSet } from '../src/workspace/globs.js';
import { DEFAULT_EXCLUDES, DEFAULT_TESTS } from '../src/workspace/workspace.js';

const segment = fc.constantFrom('a', 'src', 'tests', 'test', 'node_modules', 'old_backup', 'backup', '.comply', 'dist', 'x.y', '__tests__', 'cypress', 'venv');
const file = fc.constantFrom('m.py', 'test_m.py', 'm_test.py', 'conftest.py', 'a.test.ts', 'b.spec.tsx', 'x.min.js', 'jest.config.js', 'index.ts', 'tests', 'backup', 'setupTests.ts');
const path = fc.tuple(fc.array(segment, { maxLength: 4 }), file).map(([dirs, f]) => [...dirs, f].join('/'));
const glob = fc.oneof(
  fc.constantFrom(...DEFAULT_EXCLUDES, ...DEFAULT_TESTS, '**/test_*.py', '**/*_test.py'),
  fc.constantFrom('src/**', 'a/tests/**', '**/a/*.py', 'tests/*.py', '!**/a/**', '{src,a}/**', '**/*_backup/**', '**/src/**/m.py', 'a/**/b/**', '**/{m,index}.ts', '**/[mx].py', '**/*.{test,spec}.*', '**/x.y', 's?c/**'),
);

describe('globSet', () => {
  it('matches exactly what picomatch matches, on paths and folders', () => {
    fc.assert(
      fc.property(fc.array(glob, { minLength: 1, maxLength: 6 }), fc.array(path, { minLength: 1, maxLength: 30 }), (globs, paths) => {
        const fast = globSet(globs);
        const slow = picomatch(globs, { dot: true });
        for (const p of paths) expect(fast(p), `${p} against ${globs.join(' ')}`).toBe(slow(p));
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
