import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // fixture monorepos contain their own *.test.ts files: they are data, never run
    exclude: ['fixtures/**', 'rules/*/fixtures/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
  },
});
