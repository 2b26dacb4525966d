// Headless Chromium for the console's browser tests: Debian's `chromium` (CHROMIUM_PATH to choose
// another binary) driven by playwright-core, which downloads no browser of its own. Suites that need
// it fail when CI=true and it is missing (.ci/run installs it), and are skipped with a message otherwise.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { ROOT } from './serve';

/** The Chromium binary the browser tests drive. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Where screenshots go (git-ignored; CI keeps it as an artefact). */
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts');

/** `describe` that runs only when Chromium is installed; under CI=true a missing browser fails the suite. */
export function describeWithBrowser(name: string, body: () => void): void {
  const binary = chromiumPath();
  if (existsSync(binary)) describe(name, body);
  else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has headless Chromium', () => {
        throw new Error(`no Chromium at ${binary}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
      });
    });
  } else describe.skip(`${name} (skipped: no Chromium at ${binary})`, body);
}

/** Launches headless Chromium (no sandbox: CI runs as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** What went wrong in a page: console errors and warnings, uncaught exceptions, failed or refused requests. */
export function watchPage(page: Page): { problems: string[]; requests: string[] } {
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  return { problems, requests };
}

/** Saves a full-page screenshot under test-artifacts/<folder>/<name>.png. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS_DIR, folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
