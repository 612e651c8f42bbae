import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page, Response } from 'playwright-core';

/** One piece of text the browser (or the server log) held, labelled by where it came from. */
export interface Sample {
  source: string;
  text: string;
}

/**
 * Records everything a browser context received: every response's headers
 * and body, and on demand each page's HTML, cookies, localStorage and
 * sessionStorage. `findings(needles)` reports every sample containing a needle.
 */
export class LeakCanary {
  readonly samples: Sample[] = [];
  readonly #pending: Promise<void>[] = [];

  watch(context: BrowserContext, label: string): void {
    context.on('response', (response) => this.#pending.push(this.#record(response, label)));
  }

  async #record(response: Response, label: string): Promise<void> {
    const where = `${label} ${response.request().method()} ${response.url()}`;
    const headers = await response.allHeaders().catch(() => ({}));
    this.samples.push({ source: `${where} [headers]`, text: JSON.stringify(headers) });
    // Redirects and aborted requests have no body to read.
    const body = await response.body().catch(() => null);
    if (body) this.samples.push({ source: `${where} [body]`, text: body.toString('latin1') });
  }

  /** HTML, cookies and web storage of a page as it is now. */
  async snapshot(page: Page, label: string): Promise<void> {
    this.samples.push({ source: `${label} [html]`, text: await page.content() });
    const storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    this.samples.push({ source: `${label} [storage]`, text: storage });
    this.samples.push({ source: `${label} [cookies]`, text: JSON.stringify(await page.context().cookies()) });
  }

  /** Every file under `dir` (e.g. the built JS chunks), whether or not the browser fetched it. */
  addFiles(dir: string, label: string, suffix = '.js'): number {
    let count = 0;
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith(suffix)) {
          this.samples.push({ source: `${label} ${p}`, text: readFileSync(p, 'latin1') });
          count++;
        }
      }
    };
    walk(dir);
    return count;
  }

  add(source: string, text: string): void {
    this.samples.push({ source, text });
  }

  /** Wait for every response body still being read. */
  async settle(): Promise<void> {
    while (this.#pending.length > 0) await Promise.all(this.#pending.splice(0));
  }

  /** Sources that contain any needle (a string or a pattern). */
  findings(needles: (string | RegExp)[]): { source: string; needle: string }[] {
    const found: { source: string; needle: string }[] = [];
    for (const s of this.samples) {
      for (const n of needles) {
        const hit = typeof n === 'string' ? s.text.includes(n) : n.test(s.text);
        // Report the needle's shape, never the needle (it may be a live token).
        if (hit) found.push({ source: s.source, needle: typeof n === 'string' ? `token#${needles.indexOf(n)}` : String(n) });
      }
    }
    return found;
  }
}
