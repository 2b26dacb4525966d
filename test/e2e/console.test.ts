// The web console in a real browser (Debian's headless Chromium through playwright-core) against
// `npm start`'s platform with a token set: the bootstrap's model trained on the CICIDS2017 sample, a
// retrain (v2), an A/B test with routed traffic, a drift report. Every page renders with no console
// error and no failed request at 1280×800 and at a phone's width, the figures shown are the API's,
// stopping a test and deploying from the console go through the API and move what they should.
// Screenshots land in test-artifacts/console/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { datasetsDir, describeWithData } from '../support/datasets';
import { describeWithBrowser, launchChromium, screenshot, watchPage } from '../support/browser';
import { portOf, rawRequest } from '../support/raw-http';
import { http, isolatedEnv, startServe, waitFor, type Json, type ServedPlatform } from '../support/serve';

const TOKEN = 'console-e2e-token-7f3a9c';
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** The browser globals the page functions read (the project compiles without the DOM library; strings would need eval, which the console's CSP refuses). */
interface PageGlobals {
  readonly document: { readonly body: { readonly dataset: Record<string, string | undefined> }; readonly documentElement: { readonly scrollWidth: number } };
  readonly location: { hash: string };
  readonly innerWidth: number;
}
/** The console sets body[data-state] to "ready" once a page and its charts are drawn. */
const ready = (): boolean => (globalThis as unknown as PageGlobals).document.body.dataset.state === 'ready';
const VIEWPORTS = { wide: { width: 1280, height: 800 }, narrow: { width: 390, height: 844 } } as const;

type Flow = Record<string, number | string | null>;

describeWithData('web console', ['cicids2017/cic_ids2017_multiclass.csv.gz'], () => {
  describeWithBrowser('web console in headless Chromium', () => {
    jest.setTimeout(300_000);
    const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-console-'));
    let platform: ServedPlatform;
    let browser: Browser;
    let experimentId = '';
    const api = async (method: string, route: string, body?: unknown): Promise<Json> => {
      const res = await http(`${platform.url}${route}`, method, body, AUTH);
      if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };

    beforeAll(async () => {
      // Prepare: npm start's platform, bootstrapped on the real CICIDS2017 sample, with a local token
      platform = await startServe(isolatedEnv(home, { XDR_ML_BOOTSTRAP: 'true', DATASETS_DIR: datasetsDir(), XDR_ML_LOCAL_TOKEN: TOKEN }));
      await waitFor('the bootstrap', async () => (/^ready: curl/m.test(platform.output()) ? true : undefined), 120_000);
      // a retrain through the API registers v2
      await api('POST', '/api/ml/retrain', { reason: 'console e2e' });
      await waitFor(
        'the retrain to register v2',
        async () => ((((await api('GET', '/api/ml/models/general')).versions as unknown[]) ?? []).length >= 2 ? true : undefined),
        120_000,
      );
      // an A/B test of v2 against production, with traffic routed between them
      const created = await api('POST', '/api/ml/ab-test', { challengerVersion: 2, trafficSplit: 0.5, reason: 'console e2e' });
      experimentId = String(created.id);
      const example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8')) as { flows: Flow[] };
      for (let batch = 0; batch < 8; batch++) {
        const flows = Array.from({ length: 10 }, (_, i) =>
          example.flows.map((f) => ({ ...f, 'Flow Duration': Number(f['Flow Duration']) * (1 + batch * 10 + i), 'Destination Port': 1000 + i })),
        ).flat();
        const answer = await api('POST', '/api/ml/predict', { flows });
        // analyst labels for the batch: the model's answer on even flows, BENIGN-or-not flipped on odd ones
        const predictions = answer.predictions as { predictionId: string; label: string }[];
        const feedback = predictions.map((p, i) => ({ predictionId: p.predictionId, label: i % 2 === 0 ? p.label : p.label === 'BENIGN' ? 'DDoS' : 'BENIGN' }));
        await api('POST', '/api/ml/feedback', { feedback });
      }
      // a drift report on that traffic
      await api('POST', '/api/ml/drift/check', { model: 'general' });
      // and a second check with no new traffic (insufficient data: a gap in each feature's series)
      await api('POST', '/api/ml/drift/check', { model: 'general' });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await platform?.stop();
      rmSync(home, { recursive: true, force: true });
    });

    /** The labels and datasets a Chart.js chart on the page draws (read from the chart itself). */
    async function chartData(page: Page, selector: string): Promise<{ labels: unknown[]; datasets: { label: string; data: unknown[] }[] }> {
      return page.locator(selector).evaluate((canvas) => {
        const chart = (
          globalThis as unknown as { Chart: { getChart(c: unknown): { data: { labels: unknown[]; datasets: { label: string; data: unknown[] }[] } } } }
        ).Chart.getChart(canvas);
        return { labels: [...chart.data.labels], datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) };
      });
    }

    /** Opens a console page (the token in the fragment, as npm start prints it) and waits until it is drawn. */
    async function open(page: Page, route: string): Promise<void> {
      await page.goto(`${platform.url}/#token=${TOKEN}`);
      await page.waitForFunction(ready);
      await page.evaluate((r) => ((globalThis as unknown as PageGlobals).location.hash = r), route);
      await page.waitForFunction((r) => {
        const g = globalThis as unknown as PageGlobals;
        return g.document.body.dataset.state === 'ready' && g.location.hash === r;
      }, route);
    }

    const PAGES: readonly [string, string][] = [
      ['#/', 'lineages'],
      ['#/models/general', 'lineage'],
      ['#/models/general/versions/1', 'version-1'],
      ['#/models/general/versions/2', 'version-2'],
      ['#/drift/general', 'drift'],
      ['#/experiments', 'experiments'],
      ['#/jobs', 'jobs'],
      ['#/audit', 'audit'],
    ];

    for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
      it(`renders every page with no console error at ${viewport.width}×${viewport.height}`, async () => {
        const page = await browser.newPage({ viewport });
        const { problems, requests } = watchPage(page);
        let canvases = 0;
        for (const [route, name] of PAGES) {
          await open(page, route);
          // Assess: a page with content and charts drawn, nothing wider than the screen
          expect(await page.locator('main h1').first().textContent()).not.toMatch(/Could not load|Not found/);
          const overflow = await page.evaluate(() => {
            const g = globalThis as unknown as PageGlobals;
            return g.document.documentElement.scrollWidth - g.innerWidth;
          });
          canvases += await page.locator('canvas').count();
          expect({ route, overflow }).toEqual({ route, overflow: 0 });
          await screenshot(page, 'console', `${name}-${viewportName}`);
        }
        expect(canvases).toBeGreaterThanOrEqual(10);
        expect(problems).toEqual([]);
        // everything came from the platform's own origin
        expect(requests.filter((u) => !u.startsWith(platform.url) && !u.startsWith('data:'))).toEqual([]);
        await page.close();
      });
    }

    it('navigates by its links: lineages → lineage → version', async () => {
      const page = await browser.newPage({ viewport: VIEWPORTS.wide });
      const { problems } = watchPage(page);
      await open(page, '#/');
      await page.locator('#lineages a[data-model="general"]').click();
      await page.locator('#versions a[data-version="1"]').click();
      await page.locator('#per-class').waitFor();
      expect(await page.locator('main h1').textContent()).toMatch(/^general v1/);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('shows the figures the API answers', async () => {
      const page = await browser.newPage({ viewport: VIEWPORTS.wide });
      // a version's per-class recall and precision, its macro-F1 and its confusion matrix
      const details = await api('GET', '/api/ml/models/general/versions/1');
      const metrics = (details.record as Json).metrics as {
        macroF1: number;
        perClass: Record<string, { recall: number; precision: number }>;
        confusion: number[][];
      };
      await open(page, '#/models/general/versions/1');
      for (const [label, m] of Object.entries(metrics.perClass)) {
        const recall = page.locator(`#per-class td[data-metric="recall"][data-class="${label}"]`);
        expect(Number(await recall.getAttribute('data-value'))).toBe(m.recall);
        expect(await recall.textContent()).toBe(m.recall.toFixed(4));
        expect(Number(await page.locator(`#per-class td[data-metric="precision"][data-class="${label}"]`).getAttribute('data-value'))).toBe(m.precision);
      }
      expect(await page.locator('[data-stat="macroF1"] .stat-value').textContent()).toBe(metrics.macroF1.toFixed(4));
      const cells = await page.locator('#confusion td').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
      expect(cells).toEqual(metrics.confusion.flat());
      // the training curve is drawn from the summary's history
      expect(((details.summary as Json).fit as Json).history).toBeDefined();
      expect(await page.getByText('Training curves').count()).toBe(1);
      // and the held-out ROC curves from the summary
      expect(Object.keys((details.summary as Json).rocCurves as Json).length).toBeGreaterThan(1);
      expect(await page.locator('canvas[aria-label^="one-vs-rest ROC curve"]').count()).toBe(1);

      // an arm's sample counts
      const results = await api('GET', `/api/ml/ab-test/${experimentId}/results`);
      const arms = results.arms as Record<string, { routedFlows: number; routedRequests: number; labelled: number }>;
      await open(page, '#/experiments');
      const section = page.locator(`section[data-experiment="${experimentId}"]`);
      for (const arm of ['champion', 'challenger']) {
        expect(Number(await section.locator(`td[data-arm="${arm}"][data-metric="routedFlows"]`).getAttribute('data-value'))).toBe(arms[arm].routedFlows);
        expect(Number(await section.locator(`td[data-arm="${arm}"][data-metric="labelled"]`).getAttribute('data-value'))).toBe(arms[arm].labelled);
      }
      expect(arms.champion.routedFlows + arms.challenger.routedFlows).toBe(80);
      // the always-valid p-value and the confidence sequence over time: the charts' last points are the API's current figures
      const pValue = (results.sequential as Json).pValue as number;
      expect(typeof pValue).toBe('number');
      expect((results.history as unknown[]).length).toBeGreaterThanOrEqual(1);
      const pLines = await chartData(page, `section[data-experiment="${experimentId}"] canvas[aria-label^="always-valid p-value"]`);
      const mSprt = pLines.datasets.find((d) => d.label.startsWith('always-valid'))!;
      expect(mSprt.data.at(-1)).toBe(pValue);
      const csLines = await chartData(page, `section[data-experiment="${experimentId}"] canvas[aria-label^="effect (challenger"]`);
      expect(csLines.datasets.map((d) => d.data.at(-1))).toEqual([results.effect_size, results.effect_ci_low, results.effect_ci_high]);

      // the drift report's drifted share and the audit log's verification
      const drift = await api('GET', '/api/ml/drift/status?model=general');
      await open(page, '#/drift/general');
      expect(Number(await page.locator('[data-stat="driftShare"]').getAttribute('data-value'))).toBe((drift.latest as Json).driftShare);
      // each feature's drift over time: the chart's lines are the API's per-feature PSI series
      const perFeature = drift.features as { checkedAt: string[]; series: { name: string; psi: (number | null)[]; driftedChecks: number }[] };
      expect(perFeature.checkedAt.length).toBe(2);
      expect(perFeature.series.length).toBeGreaterThan(10);
      const drawn = await chartData(page, 'canvas[aria-label^="PSI per check"]');
      expect(drawn.labels.length).toBe(2);
      expect(drawn.datasets.length).toBe(Math.min(8, perFeature.series.length));
      for (const line of drawn.datasets) expect(line.data).toEqual(perFeature.series.find((f) => f.name === line.label)!.psi);
      const firstCheck = perFeature.series.filter((f) => f.psi[0] !== null);
      expect(firstCheck.length).toBe(perFeature.series.length); // the first check had rows, the second none
      expect(perFeature.series.every((f) => f.psi[1] === null)).toBe(true);
      const audit = await api('GET', '/api/ml/audit');
      await open(page, '#/audit');
      expect(await page.locator('#audit-records tbody tr').count()).toBe((audit.records as unknown[]).length);
      expect(await page.locator('#audit-status').getAttribute('data-ok')).toBe('true');
      await page.close();
    });

    it('stops the test and deploys v2 from the console, through the API and its gate', async () => {
      const page = await browser.newPage({ viewport: VIEWPORTS.wide });
      const { problems } = watchPage(page);
      page.on('dialog', (d) => void d.accept('from the console e2e'));
      // Act: stop the A/B test
      await open(page, '#/experiments');
      await page.locator(`button[data-action="stop"][data-experiment="${experimentId}"]`).click();
      await page.locator('#notice .notice.ok').waitFor();
      expect(((await api('GET', `/api/ml/ab-test/${experimentId}`)) as Json).state).toBe('stopped');
      // Act: deploy v2 to production from the lineage page
      const before = await api('GET', '/api/ml/models/general');
      expect((before.aliases as Record<string, { version: number }>).production.version).toBe(1);
      await open(page, '#/models/general');
      await page.locator('button[data-action="deploy"][data-version="2"]').click();
      await page.locator('#notice .notice.ok').waitFor();
      // Assess: the alias moved, with the console's reason, and the audit log recorded it
      const after = await api('GET', '/api/ml/models/general');
      expect((after.aliases as Record<string, { version: number; reason?: string }>).production).toMatchObject({ version: 2, reason: 'from the console e2e' });
      const audit = await api('GET', '/api/ml/audit?limit=5');
      expect((audit.records as { action: string; reason?: string }[]).some((r) => r.action === 'model.deploy' && r.reason === 'from the console e2e')).toBe(
        true,
      );
      await page.waitForFunction(ready);
      expect(await page.locator('#versions').textContent()).toContain('production');
      await screenshot(page, 'console', 'after-deploy');
      expect(problems).toEqual([]);
      await page.close();
    });

    it('keeps the local API guarded: the pages need no token, the API does, a cross-site page gets nothing', async () => {
      const page = await fetch(`${platform.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect((await fetch(`${platform.url}/api/ml/models`)).status).toBe(401);
      expect((await fetch(`${platform.url}/`, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
      expect((await fetch(`${platform.url}/console/nope.js`, { headers: AUTH })).status).toBe(404);
      const traversal = await rawRequest(
        platform.url,
        `GET /console/../package.json HTTP/1.1\r\nHost: 127.0.0.1:${portOf(platform.url)}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      expect(traversal.status).toBe(404);
      expect(traversal.body).not.toContain('mini-xdr-ml');
      expect((await fetch(`${platform.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: '{}' })).status).toBe(405);
      expect(platform.output()).toContain(`console: ${platform.url}/#token=${TOKEN}`);
    });
  });
});
