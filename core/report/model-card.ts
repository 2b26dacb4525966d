// The model card: one self-contained HTML file about one version — intended use, data, held-out
// metrics, per-class behaviour (confusion heatmap, precision / recall / alert thresholds / AUC),
// training curves, explanations, the drift reference and the latest drift check, and the gate
// history (every alias move of the version). Tables are plain HTML (readable with scripts off); the
// charts are drawn by the chart library and helpers the caller passes in, inlined, so the file makes
// no network request. Pure: the caller reads the data and the scripts.
import type { ExplanationData } from '../families/explanations';
import type { ModelDescription } from '../registry/types';
import type { VersionDetails } from '../registry/version-details';

/** What the card is built from. */
export interface ModelCardInput {
  readonly details: VersionDetails;
  readonly lineage: ModelDescription;
  /** The training reference profile's size (rows profiled, features), when the bundle has one. */
  readonly reference: { readonly rows: number; readonly features: number; readonly sampleSize: number } | null;
  /** The latest drift check of the lineage, when one ran. */
  readonly drift: {
    readonly checkedAt: string;
    readonly version: number;
    readonly verdict: string;
    readonly rows: number;
    readonly driftShare: number;
    readonly drifted: readonly string[];
  } | null;
  /** ISO time the card was made. */
  readonly generatedAt: string;
}

/** The scripts inlined into the card: the chart library (UMD) and the console's chart helpers. */
export interface ModelCardScripts {
  readonly chartLibrary: string;
  readonly chartHelpers: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (or an attribute value) with the five HTML specials escaped. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const fmt = (v: unknown, digits = 4): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');

/** JSON safe inside a <script> element (no `</script`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline script text that cannot close its element early. */
function scriptText(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], attrs = ''): string {
  const head = headers.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => (c.startsWith('<td') ? c : `<td>${c}</td>`)).join('')}</tr>`).join('\n');
  return `<div class="wrap"><table${attrs}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const num = (text: string, data = ''): string => `<td class="num"${data}>${text}</td>`;

type Json = Record<string, unknown>;

/**
 * Renders the card as one HTML document.
 * @example const html = renderModelCard(input, { chartLibrary, chartHelpers });
 */
export function renderModelCard(input: ModelCardInput, scripts: ModelCardScripts): string {
  const { details, lineage, reference, drift } = input;
  const { record, summary, explanations } = details;
  const metrics = record.metrics as Json & { perClass?: Record<string, Json>; confusion?: number[][] };
  const classes = record.classes;
  const perClass = metrics.perClass ?? {};
  const s = (summary ?? {}) as Json & {
    thresholds?: Record<string, number>;
    metrics?: { rocAucOvr?: Record<string, number> };
    rows?: Json & { perClass?: Record<string, { train: number; validation: number; test: number }> };
    fit?: { iterations?: number; bestIteration?: number; history?: { iteration: number[]; trainLoss: (number | null)[]; validationLoss?: (number | null)[] } };
    phases?: { name: string; millis: number }[];
    rocCurves?: Record<string, { fpr: number[]; tpr: number[] }>;
  };
  const thresholds = s.thresholds ?? {};
  const auc = s.metrics?.rocAucOvr ?? {};
  const title = `${details.model} v${details.version}`;
  const ds = record.dataset as unknown as Json;
  const spec = lineage.spec;

  const sections: string[] = [];
  sections.push(`<section><h2>Intended use</h2>
<p>Classifies network flows (${escapeHtml(record.features?.length ?? '?')} flow features) into ${classes.length} classes of the <strong>${escapeHtml(record.classSpace ?? 'fine')}</strong> class space: ${classes.map(escapeHtml).join(', ')}. It raises an alert for a class when that class's probability reaches its alert threshold (below). It is a detection aid for security analysts working on flow records like its training data; it is not a blocking control on its own, and traffic unlike the training data (see the drift reference) needs a retrain before its figures hold.</p>
<p>Lineage <strong>${escapeHtml(details.model)}</strong>, version ${details.version}${details.aliases.length ? ` (now ${escapeHtml(details.aliases.join(', '))})` : ''}; family ${escapeHtml(record.algorithm)}; trained by ${escapeHtml(record.author)} on ${escapeHtml(record.createdAt)}${record.parentVersion ? `, from v${record.parentVersion}` : ''}${record.trainingJobId ? `, job ${escapeHtml(record.trainingJobId)}` : ''}. Promotion policy ${escapeHtml(spec?.promotionPolicy ?? 'platform default')}.</p>
</section>`);

  const rows = s.rows ?? {};
  const split = rows.perClass
    ? table(
        ['class', 'train', 'validation', 'test'],
        classes.map((c) => {
          const r = rows.perClass?.[c];
          return [escapeHtml(c), num(String(r?.train ?? '—')), num(String(r?.validation ?? '—')), num(String(r?.test ?? '—'))];
        }),
      )
    : '';
  sections.push(`<section><h2>Data</h2>
<p>Dataset <strong>${escapeHtml(ds.name)}</strong> version ${escapeHtml(ds.version)} (sha256 <code>${escapeHtml(ds.sha256)}</code>). ${typeof rows.total === 'number' ? `${rows.total} rows, split leakage-free (exact duplicates kept on one side): ${escapeHtml(rows.train)} train, ${escapeHtml(rows.validation)} validation, ${escapeHtml(rows.test)} held-out test.` : ''}</p>
${split}
</section>`);

  sections.push(`<section><h2>Held-out metrics</h2>
${table(
  ['macro-F1', 'accuracy', 'weighted F1', 'ROC-AUC (macro)', 'ECE', 'log-loss', 'rows'],
  [
    [
      num(fmt(metrics.macroF1), ' id="macro-f1"'),
      num(fmt(metrics.accuracy)),
      num(fmt(metrics.weightedF1)),
      num(fmt(metrics.rocAucMacro)),
      num(fmt(metrics.ece)),
      num(fmt(metrics.logLoss)),
      num(String(metrics.rows ?? '—')),
    ],
  ],
)}
</section>`);

  const confusion = metrics.confusion;
  const heat = confusion
    ? `<div class="wrap"><table class="heatmap" id="confusion"><thead><tr><th scope="col">true \u2193 / predicted \u2192</th>${classes.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>
${classes
  .map((truth, t) => {
    const total = confusion[t].reduce((a, b) => a + b, 0);
    return `<tr><th scope="row">${escapeHtml(truth)}</th>${confusion[t].map((n, p) => `<td class="num h${total ? Math.min(9, Math.floor((n / total) * 10)) : 0}${p === t ? ' diag' : ''}">${n}</td>`).join('')}</tr>`;
  })
  .join('\n')}
</tbody></table></div>`
    : '';
  sections.push(`<section><h2>Per-class behaviour</h2>
${heat}
${table(
  ['class', 'precision', 'recall', 'F1', 'support', 'alert threshold', 'ROC-AUC'],
  classes.map((c) => {
    const m = perClass[c] ?? {};
    const cls = ` data-class="${escapeHtml(c)}"`;
    return [
      escapeHtml(c),
      num(fmt(m.precision)),
      num(fmt(m.recall), `${cls} data-metric="recall"`),
      num(fmt(m.f1)),
      num(String(m.support ?? '—')),
      num(fmt(thresholds[c])),
      num(fmt(auc[c])),
    ];
  }),
  ' id="per-class"',
)}
<div class="chart"><canvas id="chart-classes" role="img" aria-label="precision, recall and alert threshold per class"></canvas></div>
${s.rocCurves && Object.keys(s.rocCurves).length ? '<div class="chart"><canvas id="chart-roc" role="img" aria-label="one-vs-rest ROC curve per class on the held-out rows"></canvas></div>' : ''}
</section>`);

  if (s.fit?.history) {
    sections.push(`<section><h2>Training</h2>
<p>${escapeHtml(s.fit.iterations)} iterations, the best at ${escapeHtml((s.fit.bestIteration ?? 0) + 1)}. ${s.phases ? `Phases: ${s.phases.map((p) => `${escapeHtml(p.name)} ${(p.millis / 1000).toFixed(1)} s`).join(', ')}.` : ''}</p>
<div class="chart"><canvas id="chart-curves" role="img" aria-label="train and validation log-loss per iteration"></canvas></div>
</section>`);
  }

  const ex = explanations as Partial<ExplanationData> | null;
  const importance: { feature: string; value: number }[] = ex?.meanAbsShap?.length
    ? ex.meanAbsShap.map((f) => ({ feature: f.feature, value: f.value }))
    : (ex?.gain ?? []).map((f) => ({ feature: f.feature, value: f.share }));
  if (importance.length) {
    const top = importance.slice(0, 15);
    sections.push(`<section><h2>Explanations</h2>
<p>${ex?.meanAbsShap?.length ? `Mean |SHAP| over ${escapeHtml(ex.sampleRows)} held-out rows (${escapeHtml(ex.method)})` : 'Share of split gain'}; the ${top.length} most important features.</p>
${table(
  ['feature', 'importance'],
  top.map((f) => [escapeHtml(f.feature), num(fmt(f.value))]),
  ' id="importance"',
)}
<div class="chart tall"><canvas id="chart-importance" role="img" aria-label="feature importance"></canvas></div>
</section>`);
  }

  sections.push(`<section><h2>Drift reference</h2>
<p>${reference ? `The drift check compares serving traffic with a profile of ${reference.rows} training rows over ${reference.features} features (samples of ${reference.sampleSize} per feature).` : 'This version has no reference profile.'}
${drift ? `The latest check (${escapeHtml(drift.checkedAt)}, v${drift.version}, ${drift.rows} rows) found <strong>${escapeHtml(drift.verdict)}</strong>: ${(drift.driftShare * 100).toFixed(1)} % of features drifted${drift.drifted.length ? ` (${drift.drifted.slice(0, 10).map(escapeHtml).join(', ')}${drift.drifted.length > 10 ? ', …' : ''})` : ''}.` : 'No drift check has run yet.'}</p>
</section>`);

  const moves = lineage.history.filter((m) => m.version === details.version || m.fromVersion === details.version);
  sections.push(`<section><h2>Gate history</h2>
${
  moves.length
    ? table(
        ['at', 'alias', 'move', 'to', 'from', 'actor', 'reason'],
        moves.map((m) => [
          escapeHtml(m.at),
          escapeHtml(m.alias),
          escapeHtml(m.kind + (m.removed ? ' (removed)' : '')),
          `v${m.version}`,
          m.fromVersion ? `v${m.fromVersion}` : '—',
          escapeHtml(m.actor),
          escapeHtml(m.reason ?? ''),
        ]),
        ' id="gate-history"',
      )
    : '<p>This version has not been deployed or tested yet.</p>'
}
</section>`);

  const chartData = {
    classes,
    precision: classes.map((c) => perClass[c]?.precision ?? null),
    recall: classes.map((c) => perClass[c]?.recall ?? null),
    thresholds: classes.map((c) => thresholds[c] ?? null),
    history: s.fit?.history ?? null,
    importance: importance.slice(0, 15),
    roc: Object.entries(s.rocCurves ?? {}).map(([c, r]) => ({ label: `${c} (AUC ${fmt(auc[c], 3)})`, points: r.fpr.map((x, i) => ({ x, y: r.tpr[i] })) })),
  };
  const render = `(function () {
  var d = JSON.parse(document.getElementById('card-data').textContent);
  var C = window.XdrCharts;
  C.bar(document.getElementById('chart-classes'), { labels: d.classes, datasets: [{ label: 'precision', data: d.precision }, { label: 'recall', data: d.recall }, { label: 'alert threshold', data: d.thresholds }], y: { min: 0, max: 1 } });
  var curves = document.getElementById('chart-curves');
  if (curves && d.history) {
    var sets = [{ label: 'train log-loss', data: d.history.trainLoss }];
    if (d.history.validationLoss) sets.push({ label: 'validation log-loss', data: d.history.validationLoss });
    C.line(curves, { labels: d.history.iteration, datasets: sets, xTitle: 'iteration', yTitle: 'log-loss', points: d.history.iteration.length <= 60 });
  }
  var roc = document.getElementById('chart-roc');
  if (roc) C.curves(roc, { series: d.roc, xTitle: 'false positive rate', yTitle: 'true positive rate' });
  var imp = document.getElementById('chart-importance');
  if (imp) C.bar(imp, { labels: d.importance.map(function (f) { return f.feature; }), datasets: [{ label: 'importance', data: d.importance.map(function (f) { return f.value; }) }], horizontal: true, legend: false });
  document.body.setAttribute('data-state', 'ready');
})();`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Model card: ${escapeHtml(title)}</title>
<style>
${CARD_CSS}
</style>
</head>
<body data-state="loading">
<header><h1>Model card: ${escapeHtml(title)}</h1><p class="muted">Mini-XDR ML · generated ${escapeHtml(input.generatedAt)} · held-out figures from training_summary.json, checked against its sha256</p></header>
<main>
${sections.join('\n')}
</main>
<script type="application/json" id="card-data">${scriptJson(chartData)}</script>
<script>${scriptText(scripts.chartLibrary)}</script>
<script>${scriptText(scripts.chartHelpers)}</script>
<script>${render}</script>
</body>
</html>
`;
}

const CARD_CSS = `:root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; font-size: 15px; color: #0f172a; background: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; }
header { padding: 1rem; background: #0f172a; color: #e2e8f0; }
header h1 { margin: 0; font-size: 1.4rem; }
header .muted { color: #94a3b8; }
main { max-width: 1100px; margin: 0 auto; padding: 0.5rem 1rem 2rem; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 0.9rem; margin: 1rem 0; }
h2 { font-size: 1.1rem; margin: 0 0 0.6rem; }
.muted { color: #64748b; font-size: 0.9rem; }
.wrap { overflow-x: auto; max-width: 100%; margin: 0.5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #e2e8f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.heatmap td { text-align: center; min-width: 3.5rem; }
td.diag { font-weight: 700; }
${Array.from({ length: 10 }, (_, i) => `td.h${i} { background: rgba(37, 99, 235, ${(0.06 + 0.09 * i).toFixed(2)}); }`).join('\n')}
code { overflow-wrap: anywhere; }
.chart { position: relative; height: 260px; margin-top: 0.8rem; }
.chart.tall { height: 420px; }
@media (max-width: 640px) { main { padding: 0.5rem; } .chart { height: 220px; } th, td { padding: 0.25rem 0.35rem; } }`;

/**
 * Where a version's model card is stored beside its artefacts (rewritten each time a card is made:
 * the gate history and the drift check change after training, unlike the content-addressed bundle).
 * @example modelCardKey('general', 3) // 'models/general/cards/v3/model_card.html'
 */
export function modelCardKey(model: string, version: number): string {
  return `models/${model}/cards/v${version}/model_card.html`;
}
