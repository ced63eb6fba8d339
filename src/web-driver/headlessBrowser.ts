// Headless Chromium driven by `playwright-core`, for a party that runs in the web client: the
// demo's `--web` party, the screenshot script and the browser tests use it. The binary ships through
// npm (`@sparticuz/chromium`, unpacked to /tmp/chromium on first use); `npx playwright install`
// cannot download on these machines.
//
// API:
//   launchBrowser(): Promise<Browser>                      one Chromium; close it yourself
//   watchPage(page): Promise<PageProblems>                 call before `goto`: collects page errors,
//     .pageErrors / .consoleErrors / .cspViolations         console errors and CSP violations
//     .all(): string[]   .expectNone(what?): void            (throws, listing them, when any)
//   pageScript(fn, arg): string                            a typed page-side function as a script
//                                                          string (see why below)
import chromium from "@sparticuz/chromium";
import { type Browser, type Page, chromium as playwrightChromium } from "playwright-core";

/**
 * Flags `@sparticuz/chromium` sets for AWS Lambda that a party's browser (or a security test) must
 * not have: they switch off the same-origin policy, mixed-content blocking and site isolation, and
 * `--single-process` makes closing a context kill the whole browser.
 */
const lambdaOnlyFlags = new Set([
  "--single-process",
  "--disable-web-security",
  "--allow-running-insecure-content",
  "--disable-site-isolation-trials",
]);

/** Chromium's flags from `@sparticuz/chromium`, without the ones above and with site isolation on. */
function chromiumArgs(): string[] {
  return chromium.args
    .filter((flag) => !lambdaOnlyFlags.has(flag))
    .map((flag) =>
      flag.startsWith("--disable-features=")
        ? `--disable-features=${flag
            .slice("--disable-features=".length)
            .split(",")
            .filter((feature) => feature !== "IsolateOrigins" && feature !== "site-per-process")
            .join(",")}`
        : flag,
    );
}

/** Starts headless Chromium. The caller closes it. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await chromium.executablePath();
  return playwrightChromium.launch({
    executablePath,
    headless: true,
    args: [
      ...chromiumArgs(),
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What went wrong in a page: uncaught errors, console errors and Content-Security-Policy violations. */
export type PageProblems = {
  readonly pageErrors: string[];
  /** Console messages of type "error", except those about the CSP (those are in `cspViolations`). */
  readonly consoleErrors: string[];
  /** `securitypolicyviolation` events, and console messages that mention the Content Security Policy. */
  readonly cspViolations: string[];
  /** Everything above, each line prefixed with its kind. */
  all(): string[];
  /** Throws an error listing every problem, if there is any. */
  expectNone(what?: string): void;
};

let watchedPages = 0;

/**
 * Watches `page` for problems. Call it before the first `goto`: the CSP listener is installed by an
 * init script, so it runs in every document the page loads from then on (reloads included).
 */
export async function watchPage(page: Page): Promise<PageProblems> {
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const cspViolations: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(`${error.name}: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/content security policy/i.test(text)) cspViolations.push(`console: ${text}`);
    else if (message.type() === "error") consoleErrors.push(text);
  });
  // A binding name of its own per page, so two watchers never collide.
  const binding = `__roundtableCspViolation${++watchedPages}`;
  await page.exposeBinding(binding, (_source, violation: unknown) => {
    cspViolations.push(`event: ${JSON.stringify(violation)}`);
  });
  await page.addInitScript(
    pageScript((name: string) => {
      const report = (window as unknown as Record<string, (value: unknown) => void>)[name];
      document.addEventListener(
        "securitypolicyviolation",
        (event) =>
          report?.({
            directive: event.effectiveDirective,
            blockedURI: event.blockedURI,
            sourceFile: event.sourceFile,
            line: event.lineNumber,
            sample: event.sample,
          }),
        true,
      );
    }, binding),
  );
  const all = () => [
    ...pageErrors.map((e) => `page error: ${e}`),
    ...consoleErrors.map((e) => `console error: ${e}`),
    ...cspViolations.map((e) => `CSP violation: ${e}`),
  ];
  return {
    pageErrors,
    consoleErrors,
    cspViolations,
    all,
    expectNone(what = "the page") {
      const problems = all();
      if (problems.length > 0) {
        throw new Error(`${what} had ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
      }
    },
  };
}

/**
 * A page-side function and its argument as one script string, for `addInitScript` and `evaluate`.
 * Why not pass the function itself: the demo and the tests run through tsx, whose esbuild `keepNames` wraps
 * named inner functions in calls to a `__name` helper that exists in Node but not in the page, so
 * the stringified function would throw there. The wrapper supplies a `__name` that does nothing.
 * `arg` must survive JSON.
 */
export function pageScript<A>(fn: (arg: A) => unknown, arg: A): string {
  return `((__name) => (${fn.toString()})(${JSON.stringify(arg)}))((target) => target)`;
}
