/**
 * The HTML report, opened in a real headless Chromium (Debian's, installed by .ci/run) and read as a person would.
 * Without a Chromium the tests are skipped with the reason on stderr; COMPLY_REQUIRE_BROWSER=1 (set by .ci/run)
 * makes a missing Chromium a failure instead, so CI always runs them in a real browser.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { main } from '../src/cli/main.js';
import { FIXTURES, tempDir } from './helpers.js';

const SCREENSHOT = process.env.COMPLY_SCREENSHOT;
const REQUIRED = process.env.COMPLY_REQUIRE_BROWSER === '1';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** CHROMIUM_PATH when set, else `chromium` or `chromium-browser` on the PATH; a reason when there is none */
function findChromium(): { path: string } | { missing: string } {
  const fix = 'apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH';
  const given = process.env.CHROMIUM_PATH;
  if (given) return executable(given) ? { path: given } : { missing: `no Chromium at CHROMIUM_PATH=${given}: ${fix}` };
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser']) if (executable(join(dir, name))) return { path: join(dir, name) };
  }
  return { missing: `no chromium or chromium-browser on the PATH: ${fix}` };
}

const CHROMIUM = findChromium();

describe('HTML report in a browser', () => {
  let browser: Browser;
  let page: Page;
  let html: string;

  if ('missing' in CHROMIUM) {
    const { missing } = CHROMIUM;
    if (REQUIRED) {
      beforeEach(() => {
        throw new Error(`COMPLY_REQUIRE_BROWSER=1 and ${missing}`);
      });
    } else {
      console.warn(`test/html.test.ts: skipped, ${missing} (COMPLY_REQUIRE_BROWSER=1 makes this a failure)`);
      beforeEach((ctx) => ctx.skip(missing));
    }
  }

  beforeAll(async () => {
    if ('missing' in CHROMIUM) return;
    const out = join(tempDir(), 'report.html');
    await main(['node', 'comply', 'scan', join(FIXTURES, 'example-monorepo'), '--html', out], { stdout: () => {}, stderr: () => {}, isTTY: false });
    html = readFileSync(out, 'utf8');
    browser = await chromium.launch({
      executablePath: CHROMIUM.path,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(out).href);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]); // self-contained: nothing fetched
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is one file with nothing to fetch', () => {
    expect(html).not.toMatch(/<(?:script|link|img)[^>]+(?:src|href)=/);
  });

  it('shows the verdict, the score table and a bar per service', async () => {
    await expect(page.locator('#verdict').textContent()).resolves.toMatch(/^Gate failed: 29 new error-level findings$/);
    const overall = await page.locator('#scores tbody tr').first().textContent();
    expect(overall).toMatch(/^overall\s*61\.9% \(13\/21\)\s*62\.5% \(5\/8\)\s*62\.1% \(18\/29\)$/);
    await expect(page.locator('svg[aria-label="Score per service"] rect').count()).resolves.toBe(7);
  });

  it('lists every finding, grouped by rule and service, with code context', async () => {
    await expect(page.locator('#shown').textContent()).resolves.toBe('29');
    await expect(page.locator('.finding').count()).resolves.toBe(29);
    const groups = await page.locator('details.group > summary').allTextContents();
    expect(groups).toContain('cross-service-import · billing (11)');
    const hit = page.locator('.finding', { hasText: 'billing/invoices.py:9' }).locator('pre .hit');
    await expect(hit.textContent()).resolves.toMatch(/^\s*9 {2}import json, accounts\.service as acct/);
  });

  it('filters by rule, service and text', async () => {
    await page.selectOption('#f-rule', 'unjustified-mock');
    await expect(page.locator('#shown').textContent()).resolves.toBe('4');
    await page.selectOption('#f-service', 'web');
    await expect(page.locator('#shown').textContent()).resolves.toBe('1');
    await expect(page.locator('.finding .loc').allTextContents()).resolves.toEqual(['web/src/__tests__/client.test.ts:4']);
    await page.selectOption('#f-rule', '');
    await page.selectOption('#f-service', '');
    await page.fill('#f-text', 'scripts.report_tools');
    await expect(page.locator('#shown').textContent()).resolves.toBe('1');
    await page.fill('#f-text', '');
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: false });
  });
});
