// `xdr-ml report` end to end: a version trained by the real pipeline on NSL-KDD (KDDTrain+ 20 %),
// deployed; the CLI (a child process joining the test run's
// embedded cloud) writes the model card and stores it beside the version's artefacts. The card passes
// html-validate, shows the registry's figures, and renders in headless Chromium from a file with no
// network request and no console error, at 1280×800 and at a phone's width. Screenshots land in
// test-artifacts/report/.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HtmlValidate } from 'html-validate';
import { AuditLog } from '../../core/audit/audit-log';
import { ingestDataset } from '../../core/datasets/ingest';
import { runTrainingJob } from '../../core/pipeline';
import { modelCardKey } from '../../core/report';
import { ModelRegistry } from '../../core/registry/model-registry';
import { InProcessEventBus } from '../../local/event-bus';
import { datasetPath, describeWithData } from '../support/datasets';
import { describeWithBrowser, launchChromium, screenshot, watchPage } from '../support/browser';
import { closeStores, testStores, uniqueId } from '../support/platform';
import { ROOT } from '../support/serve';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function xdr(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/xdr-ml.js', ...args], { cwd: ROOT, env: { ...process.env, XDR_ML_ACTOR: 'card-test' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** The browser globals the page function reads (the project compiles without the DOM library). */
interface PageGlobals {
  readonly document: { readonly body: { getAttribute(name: string): string | null }; readonly documentElement: { readonly scrollWidth: number } };
  readonly innerWidth: number;
}

describeWithData('model card', ['nsl_kdd/KDDTrain+_20Percent.txt'], () => {
  jest.setTimeout(300_000);
  const stores = testStores();
  const audit = new AuditLog({ table: stores.tables.audit });
  const registry = new ModelRegistry({ table: stores.tables.registry, audit, events: new InProcessEventBus() });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-card-'));
  const model = uniqueId('card');
  const out = path.join(dir, 'report.html');
  let html = '';
  let perClass: Record<string, { recall: number }> = {};
  let macroF1 = 0;

  beforeAll(async () => {
    // Prepare: a real trained, deployed version
    const dataset = uniqueId('card-nsl');
    await ingestDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, sourcePath: datasetPath('nsl_kdd/KDDTrain+_20Percent.txt') },
    );
    const job = await runTrainingJob(
      {
        datasetsTable: stores.tables.datasets,
        datasetsBucket: stores.buckets.datasets,
        artefactsBucket: stores.buckets.artefacts,
        register: registry.registerVersion.bind(registry),
      },
      {
        dataset,
        model,
        algorithm: 'gbdt',
        classes: 'kdd-category',
        seed: 7,
        author: 'card-test',
        params: { nRounds: 30, maxDepth: 4 },
        training: { hardExampleMining: false },
      },
    );
    perClass = job.metrics.perClass as Record<string, { recall: number }>;
    macroF1 = job.metrics.macroF1;
    await registry.deploy(model, job.version, { actor: 'card-test', reason: 'first <b>deploy</b> & gate', thresholds: { minMacroF1: 0, maxRecallDrop: 1 } });
  });

  afterAll(() => {
    closeStores(stores);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a valid, self-contained card with the registry figures and stores it with the artefacts', async () => {
    // Act
    const run = await xdr(['report', '--model', model, '--out', out, '--json']);
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { model: string; version: number; out: string; stored: string };
    expect(answer).toMatchObject({ model, version: 1, out });
    html = readFileSync(out, 'utf8');
    expect(answer.stored).toMatch(new RegExp(`${modelCardKey(model, 1)}$`));
    expect(Buffer.from(await stores.buckets.artefacts.get(modelCardKey(model, 1))).toString('utf8')).toBe(html);
    const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html);
    expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} line ${m.line}: ${m.message}`))).toEqual([]);
    expect(report.valid).toBe(true);
    // no reference to anything outside the file
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    // the registry's figures, and the deploy's reason escaped
    expect(html).toContain(`<td class="num" id="macro-f1">${macroF1.toFixed(4)}</td>`);
    for (const [label, m] of Object.entries(perClass)) expect(html).toContain(`data-class="${label}" data-metric="recall">${m.recall.toFixed(4)}</td>`);
    expect(html).toContain('first &lt;b&gt;deploy&lt;/b&gt; &amp; gate');
    // feature importance from explanations.json: a number on every row
    const importance = /<table id="importance">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(importance.match(/<td class="num">\d+\.\d{4}<\/td>/g)?.length).toBe(15);
    for (const heading of ['Intended use', 'Data', 'Held-out metrics', 'Per-class behaviour', 'Training', 'Explanations', 'Drift reference', 'Gate history'])
      expect(html).toContain(`<h2>${heading}</h2>`);
  });

  it('refuses a bad model reference and an unknown version with a clear message', async () => {
    const bad = await xdr(['report', '--model', 'Not A Name', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid model reference|--model/);
    const unknown = await xdr(['report', '--model', `${model}@9`, '--out', path.join(dir, 'none.html')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no version 9/);
  });

  describeWithBrowser('in headless Chromium', () => {
    it('renders offline with its charts and no console error, wide and narrow', async () => {
      expect(html).not.toBe('');
      const browser = await launchChromium();
      try {
        for (const [name, viewport] of [
          ['wide', { width: 1280, height: 800 }],
          ['narrow', { width: 390, height: 844 }],
        ] as const) {
          const context = await browser.newContext({ viewport, offline: true });
          const page = await context.newPage();
          const { problems, requests } = watchPage(page);
          await page.goto(pathToFileURL(out).toString());
          await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute('data-state') === 'ready');
          expect(await page.locator('canvas').count()).toBe(4);
          const overflow = await page.evaluate(() => {
            const g = globalThis as unknown as PageGlobals;
            return g.document.documentElement.scrollWidth - g.innerWidth;
          });
          expect(overflow).toBe(0);
          await screenshot(page, 'report', name);
          expect(problems).toEqual([]);
          expect(requests).toEqual([pathToFileURL(out).toString()]);
          await context.close();
        }
      } finally {
        await browser.close();
      }
    });
  });
});
