import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(import.meta.dir, "screenshots");

/** Debian's Chromium, headless, with nothing that reaches the network on its own. Each launch
 * gets a fresh temporary profile (user-data-dir) from playwright, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** What went wrong in a page: console errors, uncaught exceptions, CSP violations. */
export interface PageProblems {
  errors: string[];
  cspViolations(): Promise<string[]>;
}

/** A fresh page that records its problems; CSP violations are collected by a listener the
 * browser installs before any page script runs. */
export async function watchedPage(browser: Browser, options: { colorScheme?: "light" | "dark" } = {}): Promise<{ page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 820 },
    acceptDownloads: true,
    colorScheme: options.colorScheme ?? "light",
    locale: "en-US",
    timezoneId: "Europe/Berlin",
  });
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return {
    page,
    problems: {
      errors,
      cspViolations: async () => (page.isClosed() ? [] : page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])),
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}
