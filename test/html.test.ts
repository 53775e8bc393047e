/**
 * The HTML report, opened in a real headless Chromium (Debian's, installed by .ci/run) and read as a person would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { main } from '../src/cli/main.js';
import { FIXTURES, tempDir } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.COMPLY_SCREENSHOT;

describe('HTML report in a browser', () => {
  let browser: Browser;
  let page: Page;
  let html: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`).toBe(true);
    const out = join(tempDir(), 'report.html');
    await main(['node', 'comply', 'scan', join(FIXTURES, 'example-monorepo'), '--html', out], { stdout: () => {}, stderr: () => {}, isTTY: false });
    html = readFileSync(out, 'utf8');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
