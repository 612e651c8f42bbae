import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LeakCanary } from './leak-canary.js';

/** Debian's Chromium (installed by .ci/run when missing). */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Waits (bounded by the context's action timeout) until the locator's first match is visible. */
export const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });

/** Waits (bounded) until the locator's text contains `want`. */
export async function hasText(l: Locator, want: string | RegExp) {
  await visible(l);
  await expect.poll(async () => (await l.first().textContent()) ?? '', { timeout: 10_000 }).toMatch(want);
}

/**
 * The page's HTML, storage and cookies into the canary, then full-page
 * screenshots at desktop (1280x800) and phone (390x844) width. At phone width
 * the page must not scroll sideways (wide tables scroll inside their card).
 */
export async function shoot(page: Page, name: string, dir: string, canary: LeakCanary) {
  await canary.snapshot(page, name);
  for (const [width, height, tag] of [
    [1280, 800, 'desktop'],
    [390, 844, 'phone'],
  ] as const) {
    await page.setViewportSize({ width, height });
    if (tag === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await page.screenshot({ path: join(dir, `${name}-${tag}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Create an account through the sign-up form; ends on the dashboard. */
export async function signUp(page: Page, baseUrl: string, user: { email: string; password: string }) {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/dashboard');
}
