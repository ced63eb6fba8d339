// Headless Chromium for browser tests: the launcher, the page watcher and `pageScript` live in
// src/web-driver/headlessBrowser.ts (the demo's `--web` party uses them too); this file adds the
// mocha fixture.
//
// API:
//   launchBrowser(): Promise<Browser>                      one Chromium; close it yourself
//   useBrowser(): BrowserFixture                           inside a `describe`: launches once
//     .browser                                             (before), closes every context after each
//     .newContext(options?): Promise<BrowserContext>        test (afterEach), the browser at the end
//     .newPage(options?): Promise<{ context, page, problems }>   a fresh context, a page, a watcher
//   watchPage(page): Promise<PageProblems>                 see src/web-driver/headlessBrowser.ts
//   pageScript(fn, arg): string
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import {
  launchBrowser,
  type PageProblems,
  pageScript,
  watchPage,
} from "../../../src/web-driver/headlessBrowser.js";

export { launchBrowser, type PageProblems, pageScript, watchPage };

export type BrowserFixture = {
  /** The file's browser; available from the first `before` hook on. */
  readonly browser: Browser;
  /** A fresh context (own storage, own cookies), closed after the current test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A fresh context with one page, already watched for problems (see `watchPage`). */
  newPage(
    options?: BrowserContextOptions,
  ): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }>;
};

/**
 * Registers mocha hooks in the calling `describe`: one browser for the file (launching takes about
 * a second), a fresh context per test, everything closed afterwards.
 */
export function useBrowser(): BrowserFixture {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  after(async () => {
    await browser?.close();
    browser = undefined;
  });
  const fixture: BrowserFixture = {
    get browser() {
      if (browser === undefined) throw new Error("useBrowser: the browser starts in `before`.");
      return browser;
    },
    async newContext(options = {}) {
      const context = await fixture.browser.newContext(options);
      contexts.push(context);
      return context;
    },
    async newPage(options = {}) {
      const context = await fixture.newContext(options);
      const page = await context.newPage();
      const problems = await watchPage(page);
      return { context, page, problems };
    },
  };
  return fixture;
}
