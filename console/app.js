// The Mini-XDR ML console: a small single-page front end over the platform's HTTP API (the same
// routes, guard and promotion gate as every other client). Hash routes:
//   #/                                lineages            #/drift[/<model>]      drift over time
//   #/models/<name>                   a lineage           #/experiments          A/B, shadow, canary tests
//   #/models/<name>/versions/<v>      a version           #/jobs                 retraining jobs and triggers
//   #/audit                           the audit log and its verification
import { adoptToken, api, ApiError } from './api.js';
import { card, chartBox, fmt, h, stat, table, when } from './dom.js';

const Charts = globalThis.XdrCharts;
const main = document.getElementById('main');
const notice = document.getElementById('notice');

const NAV = [
  ['#/', 'Lineages'],
  ['#/drift', 'Drift'],
  ['#/experiments', 'Experiments'],
  ['#/jobs', 'Jobs'],
  ['#/audit', 'Audit'],
];

function link(href, text, attrs) {
  return h('a', Object.assign({ href }, attrs || {}), text);
}

function say(message, kind) {
  notice.replaceChildren(message ? h('div', { class: `notice ${kind || 'info'}`, role: kind === 'error' ? 'alert' : 'status' }, message) : '');
}

function errorText(error) {
  if (error instanceof ApiError) {
    const details = (error.body && Array.isArray(error.body.details) ? error.body.details : [])
      .map((d) => (d.field ? `${d.field}: ${d.message}` : d.message || JSON.stringify(d)))
      .join('; ');
    return `${error.status} ${error.message}${details ? ` (${details})` : ''}`;
  }
  return String(error && error.message ? error.message : error);
}

/** Runs an action through the API, then says how it went and redraws the page. */
async function act(what, method, path, body) {
  say(`${what}…`);
  try {
    await api(method, path, body);
    say(`${what}: done`, 'ok');
  } catch (error) {
    say(`${what} refused: ${errorText(error)}`, 'error');
    return;
  }
  await route(true);
}

function reasonPrompt(what) {
  const reason = window.prompt(`Reason for: ${what}`, `${what} from the console`);
  return reason === null ? null : reason.trim() || `${what} from the console`;
}

// ---------- lineages ----------

async function lineagesPage() {
  const { models } = await api('GET', '/api/ml/models?limit=1000');
  const rows = models.map((m) => [
    link(`#/models/${encodeURIComponent(m.model)}`, m.model, { dataset: { model: m.model } }),
    { text: String(m.versions), attrs: { class: 'num' } },
    { text: String(m.latestVersion ?? '—'), attrs: { class: 'num' } },
    Object.entries(m.aliases || {})
      .map(([alias, a]) => `${alias} → v${a.version}`)
      .join(', ') || '—',
  ]);
  return [
    h('h1', {}, 'Model lineages'),
    card(
      'Lineages',
      models.length
        ? table(['lineage', 'versions', 'latest', 'aliases'], rows, { id: 'lineages' })
        : h('p', {}, 'No model registered yet: `xdr-ml train` or `npm start`’s bootstrap registers one.'),
    ),
  ];
}

async function lineagePage(name) {
  const d = await api('GET', `/api/ml/models/${encodeURIComponent(name)}`);
  const aliasesAt = (v) =>
    Object.entries(d.aliases || {})
      .filter(([, a]) => a.version === v && !a.removed)
      .map(([alias]) => alias);
  const production = d.aliases && d.aliases.production && !d.aliases.production.removed ? d.aliases.production.version : null;
  const quarantined = new Set(Object.keys(d.quarantined || {}).map(Number));
  const versions = [...d.versions].sort((a, b) => b.version - a.version);
  const rows = versions.map((v) => [
    link(`#/models/${encodeURIComponent(name)}/versions/${v.version}`, `v${v.version}`, { dataset: { version: v.version } }),
    when(v.createdAt),
    v.algorithm,
    `${v.dataset ? `${v.dataset.name}@${v.dataset.version}` : '—'}`,
    {
      text: fmt(v.metrics && v.metrics.macroF1),
      attrs: { class: 'num', dataset: { metric: 'macroF1', version: v.version, value: v.metrics && v.metrics.macroF1 } },
    },
    { text: fmt(v.metrics && v.metrics.accuracy), attrs: { class: 'num' } },
    v.parentVersion ? `v${v.parentVersion}` : '—',
    v.trainingJobId || v.author || '—',
    aliasesAt(v.version).join(', ') + (quarantined.has(v.version) ? ' (quarantined)' : ''),
    v.version === production
      ? ''
      : h(
          'button',
          {
            type: 'button',
            class: 'action',
            dataset: { action: 'deploy', version: v.version },
            onclick: () => {
              const reason = reasonPrompt(`deploy ${name} v${v.version} to production`);
              if (reason !== null)
                act(`deploy ${name} v${v.version}`, 'POST', `/api/ml/models/${encodeURIComponent(name)}/deploy`, { version: v.version, reason });
            },
          },
          'Deploy',
        ),
  ]);
  const history = [...(d.history || [])].reverse();
  const oldest = [...d.versions].sort((a, b) => a.version - b.version);
  return [
    h('h1', {}, `Lineage ${name}`),
    h(
      'div',
      { class: 'actions' },
      production !== null
        ? h(
            'button',
            {
              type: 'button',
              class: 'action',
              dataset: { action: 'rollback' },
              onclick: () => {
                const reason = reasonPrompt(`roll back ${name} production`);
                if (reason !== null) act(`roll back ${name}`, 'POST', `/api/ml/models/${encodeURIComponent(name)}/rollback`, { reason });
              },
            },
            'Roll back production',
          )
        : '',
      link(`#/drift/${encodeURIComponent(name)}`, 'Drift'),
    ),
    card(
      'Versions',
      table(['version', 'created', 'family', 'dataset', 'macro-F1', 'accuracy', 'parent', 'job / author', 'aliases', ''], rows, { id: 'versions' }),
      chartBox('held-out macro-F1 and accuracy per version', (c) =>
        Charts.line(c, {
          labels: oldest.map((v) => `v${v.version}`),
          datasets: [
            { label: 'macro-F1', data: oldest.map((v) => v.metrics && v.metrics.macroF1) },
            { label: 'accuracy', data: oldest.map((v) => v.metrics && v.metrics.accuracy) },
          ],
          yTitle: 'held-out score',
        }),
      ),
    ),
    card(
      'Alias history',
      history.length
        ? table(
            ['at', 'alias', 'move', 'version', 'from', 'actor', 'reason'],
            history.map((m) => [
              when(m.at),
              m.alias,
              m.kind + (m.removed ? ' (removed)' : ''),
              `v${m.version}`,
              m.fromVersion ? `v${m.fromVersion}` : '—',
              m.actor,
              m.reason || '',
            ]),
            { id: 'alias-history' },
          )
        : h('p', {}, 'No alias has moved yet.'),
    ),
    d.spec
      ? card(
          'Training spec',
          h(
            'p',
            { class: 'muted' },
            `${d.spec.algorithm} on ${d.spec.dataset ? d.spec.dataset.name : '—'} (${d.spec.classSpace}), promotion policy ${d.spec.promotionPolicy ?? 'the platform default'}`,
          ),
          h('details', {}, h('summary', {}, 'the full spec'), h('pre', {}, JSON.stringify(d.spec, null, 2))),
        )
      : '',
  ];
}

// ---------- one version ----------

function confusionHeatmap(classes, confusion) {
  const rows = classes.map((truth, t) => {
    const total = confusion[t].reduce((a, b) => a + b, 0);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, truth),
      confusion[t].map((n, p) =>
        h(
          'td',
          {
            class: p === t ? 'num diag' : 'num',
            style: `background:${Charts.heat(total ? n / total : 0)}`,
            title: `${truth} → ${classes[p]}: ${n}`,
            dataset: { truth, predicted: classes[p], value: n },
          },
          String(n),
        ),
      ),
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'heatmap', id: 'confusion' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'true ↓ / predicted →'),
          classes.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

export function versionSections(details) {
  const { record, summary, explanations } = details;
  const metrics = record.metrics || {};
  const classes = record.classes || [];
  const perClass = metrics.perClass || {};
  const thresholds = (summary && summary.thresholds) || {};
  const auc = (summary && summary.metrics && summary.metrics.rocAucOvr) || {};
  const sections = [];
  sections.push(
    card(
      'Held-out metrics',
      h(
        'div',
        { class: 'stats' },
        stat('macro-F1', metrics.macroF1, 4, 'macroF1'),
        stat('accuracy', metrics.accuracy, 4, 'accuracy'),
        stat('weighted F1', metrics.weightedF1, 4, 'weightedF1'),
        stat('ROC-AUC (macro)', metrics.rocAucMacro, 4, 'rocAucMacro'),
        stat('ECE', metrics.ece, 4, 'ece'),
        stat('log-loss', metrics.logLoss, 4, 'logLoss'),
        stat('test rows', metrics.rows, 0, 'rows'),
      ),
    ),
  );
  if (Array.isArray(metrics.confusion)) sections.push(card('Confusion matrix (held-out rows)', confusionHeatmap(classes, metrics.confusion)));
  const classRows = classes.map((c) => {
    const m = perClass[c] || {};
    const cell = (name, value, digits) => ({ text: fmt(value, digits ?? 4), attrs: { class: 'num', dataset: { metric: name, class: c, value: value ?? '' } } });
    return [
      c,
      cell('precision', m.precision),
      cell('recall', m.recall),
      cell('f1', m.f1),
      cell('support', m.support, 0),
      cell('threshold', thresholds[c]),
      cell('rocAuc', auc[c]),
    ];
  });
  sections.push(
    card(
      'Per class',
      table(['class', 'precision', 'recall', 'F1', 'support', 'alert threshold', 'ROC-AUC'], classRows, { id: 'per-class' }),
      chartBox('precision and recall per class', (cv) =>
        Charts.bar(cv, {
          labels: classes,
          datasets: [
            { label: 'precision', data: classes.map((c) => (perClass[c] || {}).precision ?? null) },
            { label: 'recall', data: classes.map((c) => (perClass[c] || {}).recall ?? null) },
            { label: 'alert threshold', data: classes.map((c) => thresholds[c] ?? null) },
          ],
          y: { min: 0, max: 1 },
        }),
      ),
      summary && summary.rocCurves && Object.keys(summary.rocCurves).length
        ? chartBox('one-vs-rest ROC curve per class on the held-out rows', (cv) =>
            Charts.curves(cv, {
              series: Object.entries(summary.rocCurves).map(([c, r]) => ({
                label: `${c} (AUC ${fmt(auc[c], 3)})`,
                points: r.fpr.map((x, i) => ({ x, y: r.tpr[i] })),
              })),
              xTitle: 'false positive rate',
              yTitle: 'true positive rate',
            }),
          )
        : '',
      Object.keys(auc).length
        ? chartBox('one-vs-rest ROC-AUC per class', (cv) =>
            Charts.bar(cv, { labels: Object.keys(auc), datasets: [{ label: 'ROC-AUC (one vs rest)', data: Object.values(auc) }], y: { min: 0, max: 1 } }),
          )
        : '',
    ),
  );
  const hist = summary && summary.fit && summary.fit.history;
  if (hist && Array.isArray(hist.iteration)) {
    const datasets = [{ label: 'train log-loss', data: hist.trainLoss }];
    if (hist.validationLoss) datasets.push({ label: 'validation log-loss', data: hist.validationLoss });
    sections.push(
      card(
        'Training curves',
        h(
          'p',
          { class: 'muted' },
          `${summary.fit.iterations} iterations, best ${summary.fit.bestIteration + 1}${hist.iteration[0] > 1 ? `; the kept fit (a hard-example round) continued from iteration ${hist.iteration[0] - 1}` : ''}${hist.stride > 1 ? `; every ${hist.stride}th iteration shown` : ''}.`,
        ),
        chartBox('train and validation log-loss per iteration', (cv) =>
          Charts.line(cv, { labels: hist.iteration, datasets, xTitle: 'iteration', yTitle: 'log-loss', points: hist.iteration.length <= 60 }),
        ),
      ),
    );
  }
  const phases = summary && (summary.phases || (summary.jobTimings ? Object.entries(summary.jobTimings).map(([name, millis]) => ({ name, millis })) : null));
  if (phases && phases.length) {
    sections.push(
      card(
        'Training job phases',
        chartBox('seconds per training phase', (cv) =>
          Charts.bar(cv, {
            labels: phases.map((p) => p.name),
            datasets: [{ label: 'seconds', data: phases.map((p) => p.millis / 1000) }],
            horizontal: true,
            legend: false,
            xTitle: 'seconds',
          }),
        ),
      ),
    );
  }
  if (explanations && Array.isArray(explanations.gain) && explanations.gain.length) {
    const top = (explanations.meanAbsShap && explanations.meanAbsShap.length ? explanations.meanAbsShap : explanations.gain).slice(0, 15);
    const label =
      explanations.meanAbsShap && explanations.meanAbsShap.length ? `mean |SHAP| over ${explanations.sampleRows} held-out rows` : 'share of split gain';
    sections.push(
      card(
        'Feature importance',
        h('p', { class: 'muted' }, `${label} (${explanations.method}); top ${top.length} of ${explanations.features.length} features.`),
        chartBox(
          'feature importance',
          (cv) =>
            Charts.bar(cv, {
              labels: top.map((f) => f.feature),
              datasets: [{ label, data: top.map((f) => f.value ?? f.share) }],
              horizontal: true,
              legend: false,
            }),
          true,
        ),
      ),
    );
  }
  const ds = record.dataset || {};
  sections.push(
    card(
      'Lineage',
      table(
        ['', ''],
        [
          ['dataset', `${ds.name ?? '—'} version ${ds.version ?? '—'}`],
          ['dataset sha256', ds.sha256 ?? '—'],
          ['parent version', record.parentVersion ? `v${record.parentVersion}` : '—'],
          ['training job', record.trainingJobId ?? '—'],
          ['kind', record.trainingKind ?? 'training'],
          ['author', record.author ?? '—'],
          ['family', record.algorithm],
          ['class space', record.classSpace ?? '—'],
          ['seed', record.seed ?? (summary && summary.seed) ?? '—'],
          ['created', when(record.createdAt)],
          ['members', Array.isArray(record.members) ? record.members.map((m) => `${m.model ?? ''} v${m.version ?? '?'}`).join(', ') : '—'],
        ],
        { id: 'lineage', class: 'kv' },
      ),
      h('details', {}, h('summary', {}, 'hyperparameters'), h('pre', {}, JSON.stringify(record.hyperparameters || {}, null, 2))),
    ),
  );
  return sections;
}

async function versionPage(name, version) {
  const details = await api('GET', `/api/ml/models/${encodeURIComponent(name)}/versions/${version}`);
  return [
    h('p', { class: 'crumbs' }, link(`#/models/${encodeURIComponent(name)}`, `← ${name}`)),
    h('h1', {}, `${name} v${version}`, details.aliases.length ? h('span', { class: 'badge' }, details.aliases.join(', ')) : ''),
    ...versionSections(details),
  ];
}

// ---------- drift ----------

async function driftPage(model) {
  const { models } = await api('GET', '/api/ml/models?limit=1000');
  const name = model || (models.find((m) => m.aliases && m.aliases.production) || models[0] || {}).model;
  const picker = h(
    'select',
    { id: 'drift-model', 'aria-label': 'model', onchange: (e) => (location.hash = `#/drift/${encodeURIComponent(e.target.value)}`) },
    models.map((m) => h('option', { value: m.model, selected: m.model === name }, m.model)),
  );
  if (!name) return [h('h1', {}, 'Drift'), h('p', {}, 'No model yet.')];
  const status = await api('GET', `/api/ml/drift/status?model=${encodeURIComponent(name)}&limit=100`);
  const history = [...(status.history || [])].sort((a, b) => (a.checkedAt < b.checkedAt ? -1 : 1));
  const latest = status.latest;
  const out = [
    h('h1', {}, 'Drift'),
    h(
      'div',
      { class: 'actions' },
      h('label', {}, 'model ', picker),
      h(
        'button',
        {
          type: 'button',
          class: 'action',
          dataset: { action: 'drift-check' },
          onclick: () => act(`drift check of ${name}`, 'POST', '/api/ml/drift/check', { model: name }),
        },
        'Check now',
      ),
    ),
  ];
  if (!latest) return [...out, h('p', {}, 'No drift check has run for this model yet.')];
  out.push(
    card(
      'Latest check',
      h(
        'div',
        { class: 'stats' },
        stat('verdict', latest.verdict, 0, 'verdict'),
        stat('version', `v${latest.version}`, 0, 'version'),
        stat('window rows', latest.rows, 0, 'rows'),
        stat('drifted share', latest.driftShare, 3, 'driftShare'),
        stat('online accuracy', latest.performance && latest.performance.onlineAccuracy, 3, 'onlineAccuracy'),
        stat('checked', when(latest.checkedAt), 0, 'checkedAt'),
      ),
    ),
  );
  out.push(
    card(
      'Over time',
      chartBox('drifted feature share and online accuracy per check', (cv) =>
        Charts.line(cv, {
          labels: history.map((r) => when(r.checkedAt).slice(5, 16)),
          datasets: [
            { label: 'drifted feature share', data: history.map((r) => (r.verdict === 'insufficient-data' ? null : r.driftShare)) },
            { label: 'online accuracy', data: history.map((r) => (r.performance ? r.performance.onlineAccuracy : null)) },
            { label: 'window rows / max', data: history.map((r) => r.rows / Math.max(1, ...history.map((x) => x.rows))) },
          ],
          y: { min: 0, max: 1 },
        }),
      ),
      table(
        ['checked', 'version', 'rows', 'verdict', 'drifted share', 'events'],
        [...history]
          .reverse()
          .map((r) => [
            when(r.checkedAt),
            `v${r.version}`,
            { text: String(r.rows), attrs: { class: 'num' } },
            r.verdict,
            { text: fmt(r.driftShare, 3), attrs: { class: 'num' } },
            (r.events || []).join(', '),
          ]),
        { id: 'drift-history' },
      ),
    ),
  );
  const perFeature = status.features && Array.isArray(status.features.series) ? status.features : { checkedAt: [], series: [] };
  if (perFeature.series.length && perFeature.checkedAt.length) {
    // the features that drifted in the most checks (then the highest latest PSI), one line each
    const last = (f) => {
      for (let i = f.psi.length - 1; i >= 0; i--) if (typeof f.psi[i] === 'number') return f.psi[i];
      return 0;
    };
    const top = [...perFeature.series].sort((a, b) => b.driftedChecks - a.driftedChecks || last(b) - last(a)).slice(0, 8);
    out.push(
      card(
        'Per feature over time',
        chartBox('PSI per check of the features that drifted most often (gaps: checks with too few rows)', (cv) =>
          Charts.line(cv, {
            labels: perFeature.checkedAt.map((t) => when(t).slice(5, 16)),
            datasets: top.map((f) => ({ label: f.name, data: f.psi })),
            yTitle: 'PSI',
          }),
        ),
        table(
          ['feature', 'test', 'drifted in checks', 'latest PSI'],
          top.map((f) => [
            f.name,
            f.method,
            {
              text: `${f.driftedChecks} / ${perFeature.checkedAt.length}`,
              attrs: { class: 'num', dataset: { metric: 'driftedChecks', feature: f.name, value: f.driftedChecks } },
            },
            { text: fmt(last(f), 3), attrs: { class: 'num' } },
          ]),
          { id: 'drift-feature-history' },
        ),
      ),
    );
  }
  const features = latest.data && Array.isArray(latest.data.features) ? [...latest.data.features] : [];
  if (features.length) {
    features.sort((a, b) => (b.psi ?? 0) - (a.psi ?? 0));
    const top = features.slice(0, 20);
    out.push(
      card(
        'Per feature (latest window vs training reference)',
        chartBox(
          'PSI per feature, drifted features in red',
          (cv) =>
            Charts.bar(cv, {
              labels: top.map((f) => f.name),
              datasets: [{ label: 'PSI', data: top.map((f) => f.psi), colors: top.map((f) => (f.drifted ? '#dc2626' : '#2563eb')) }],
              horizontal: true,
              legend: false,
            }),
          true,
        ),
        table(
          ['feature', 'test', 'score', 'threshold', 'drifted', 'PSI', 'Jensen-Shannon'],
          features.map((f) => [
            f.name,
            f.method,
            { text: fmt(f.score), attrs: { class: 'num' } },
            { text: fmt(f.threshold), attrs: { class: 'num' } },
            f.drifted ? 'yes' : 'no',
            { text: fmt(f.psi, 3), attrs: { class: 'num', dataset: { metric: 'psi', feature: f.name, value: f.psi ?? '' } } },
            { text: fmt(f.jensenShannon, 3), attrs: { class: 'num' } },
          ]),
          { id: 'drift-features' },
        ),
      ),
    );
  }
  return out;
}

// ---------- experiments ----------

function armRows(results) {
  return ['champion', 'challenger'].map((arm) => {
    const a = (results.arms || {})[arm] || {};
    const cell = (name, value, digits) => ({
      text: typeof value === 'number' ? fmt(value, digits) : String(value ?? '—'),
      attrs: { class: 'num', dataset: { arm, metric: name, value: value ?? '' } },
    });
    return [
      arm,
      `v${a.version}`,
      cell('routedFlows', a.routedFlows, 0),
      cell('routedRequests', a.routedRequests, 0),
      cell('labelled', a.labelled, 0),
      cell('accuracy', a.accuracy, 4),
      a.accuracyCi ? `[${fmt(a.accuracyCi.low, 3)}, ${fmt(a.accuracyCi.high, 3)}]` : '—',
      cell('meanLatencyMs', a.meanLatencyMs ?? a.meanRequestLatencyMs, 2),
    ];
  });
}

/** The results history (one point per interval, oldest first): p-values, and the effect with its confidence sequence, over time. */
function historyCharts(history) {
  if (!history.length) return h('p', { class: 'muted' }, 'No results history yet: a point is recorded each time results are computed while the test runs.');
  const labels = history.map((p) => when(p.at).slice(5, 16));
  return h(
    'div',
    { class: 'history', dataset: { points: history.length } },
    chartBox('always-valid p-value (mSPRT) and SRM p-value over time', (cv) =>
      Charts.line(cv, {
        labels,
        datasets: [
          { label: 'always-valid p (mSPRT)', data: history.map((p) => p.pValue) },
          { label: 'SRM p-value', data: history.map((p) => p.srmPValue) },
        ],
        y: { min: 0, max: 1 },
      }),
    ),
    chartBox('effect (challenger − champion) and its confidence sequence over time', (cv) =>
      Charts.line(cv, {
        labels,
        datasets: [
          { label: 'effect', data: history.map((p) => p.effect) },
          { label: 'lower bound', data: history.map((p) => p.csLow), borderDash: [4, 4] },
          { label: 'upper bound', data: history.map((p) => p.csHigh), borderDash: [4, 4] },
        ],
      }),
    ),
  );
}

async function experimentSection(e) {
  let results = null;
  try {
    results = await api('GET', `/api/ml/ab-test/${encodeURIComponent(e.id)}/results`);
  } catch (error) {
    return card(`${e.id}`, h('p', { class: 'notice error' }, errorText(error)));
  }
  const seq = results.sequential || {};
  const srm = results.srm || {};
  const arms = results.arms || {};
  const stopButtons =
    e.state === 'running'
      ? [
          h(
            'button',
            {
              type: 'button',
              class: 'action',
              dataset: { action: 'stop', experiment: e.id },
              onclick: () => {
                const reason = reasonPrompt(`stop ${e.id}`);
                if (reason !== null) act(`stop ${e.id}`, 'POST', `/api/ml/ab-test/${encodeURIComponent(e.id)}/stop`, { reason });
              },
            },
            'Stop',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'action',
              dataset: { action: 'stop-promote', experiment: e.id },
              onclick: () => {
                const reason = reasonPrompt(`stop ${e.id} and promote the challenger`);
                if (reason !== null) act(`stop ${e.id} and promote`, 'POST', `/api/ml/ab-test/${encodeURIComponent(e.id)}/stop`, { promote: true, reason });
              },
            },
            'Stop and promote',
          ),
        ]
      : [];
  const ci = (arm) => (arms[arm] && arms[arm].accuracyCi ? arms[arm].accuracyCi : { low: null, high: null });
  return h(
    'section',
    { class: 'card experiment', dataset: { experiment: e.id } },
    h('h2', {}, `${e.model}: v${e.championVersion} vs v${e.challengerVersion}`, h('span', { class: 'badge' }, `${e.mode} · ${e.state}`)),
    h(
      'p',
      { class: 'muted' },
      `${e.id} · ${Math.round((e.trafficSplit ?? 0) * 100)} % to the challenger · started ${when(e.createdAt)} by ${e.createdBy ?? '—'}${e.reason ? ` · ${e.reason}` : ''}`,
    ),
    h('div', { class: 'actions' }, stopButtons),
    h(
      'div',
      { class: 'stats' },
      stat('recommendation', results.recommendation, 0, 'recommendation'),
      stat('always-valid p (mSPRT)', typeof seq.pValue === 'number' ? seq.pValue : results.p_value, 4, 'pValue'),
      stat('effect (challenger − champion)', results.effect_size, 4, 'effect'),
      stat('confidence sequence', `[${fmt(results.effect_ci_low, 3)}, ${fmt(results.effect_ci_high, 3)}]`, 0, 'confidenceSequence'),
      stat('SRM p-value', srm.pValue, 4, 'srmPValue'),
      stat('SRM', srm.mismatch ? 'MISMATCH' : srm.applicable === false ? 'n/a' : 'ok', 0, 'srm'),
    ),
    h('p', { class: 'muted' }, results.reason || ''),
    table(['arm', 'version', 'routed flows', 'requests', 'labelled', 'accuracy', '95 % interval', 'latency ms'], armRows(results), { class: 'arms' }),
    historyCharts(results.history || []),
    chartBox('accuracy per arm with its interval', (cv) =>
      Charts.bar(cv, {
        labels: ['champion', 'challenger'].map((a) => `${a} v${(arms[a] || {}).version ?? '?'}`),
        datasets: [
          { label: 'accuracy', data: ['champion', 'challenger'].map((a) => (arms[a] || {}).accuracy ?? null) },
          { label: '95 % interval', data: ['champion', 'challenger'].map((a) => (ci(a).low === null ? null : [ci(a).low, ci(a).high])) },
        ],
        y: { min: 0, max: 1 },
      }),
    ),
  );
}

async function experimentsPage() {
  const { experiments } = await api('GET', '/api/ml/ab-test?limit=50');
  const sections = [];
  for (const e of experiments.slice(0, 20)) sections.push(await experimentSection(e));
  return [h('h1', {}, 'Experiments'), experiments.length ? sections : h('p', {}, 'No experiment yet: POST /api/ml/ab-test or `xdr-ml ab-test create`.')];
}

// ---------- jobs ----------

async function jobsPage() {
  const status = await api('GET', '/api/ml/status');
  const out = [
    h('h1', {}, 'Jobs and triggers'),
    h(
      'p',
      { class: 'muted' },
      `promotion policy ${status.promotionPolicy}; auto-retrain ${status.autoRetrain && status.autoRetrain.enabled ? `on (${status.autoRetrain.schedule})` : 'off'}`,
    ),
  ];
  for (const m of status.models || []) {
    const jobs = m.jobs || [];
    out.push(
      card(
        `${m.model}: production v${m.production ?? '—'}${m.challenger ? `, challenger v${m.challenger}` : ''}`,
        jobs.length
          ? table(
              ['job', 'trigger', 'state', 'started', 'seconds', 'version', 'outcome', 'reason'],
              jobs.map((j) => [
                j.jobId,
                j.trigger,
                j.state,
                when(j.startedAt || j.createdAt),
                { text: fmt(j.durationSeconds, 1), attrs: { class: 'num' } },
                j.registeredVersion ? `v${j.registeredVersion}` : '—',
                j.outcome || j.error || '—',
                j.reason || '',
              ]),
              { class: 'jobs', dataset: { model: m.model } },
            )
          : h('p', {}, 'No job yet.'),
        jobs.length
          ? chartBox('job duration in seconds', (cv) =>
              Charts.bar(cv, {
                labels: jobs.map((j) => j.jobId.slice(-10)),
                datasets: [{ label: 'seconds', data: jobs.map((j) => j.durationSeconds ?? null) }],
                legend: false,
              }),
            )
          : '',
        h('h3', {}, 'Trigger decisions'),
        (m.triggers || []).length
          ? table(
              ['at', 'trigger', 'decision', 'why', 'job'],
              m.triggers.map((t) => [when(t.at), t.trigger, t.outcome, t.why || '', t.jobId || '—']),
              { class: 'triggers', dataset: { model: m.model } },
            )
          : h('p', {}, 'No trigger yet.'),
      ),
    );
  }
  return out;
}

// ---------- audit ----------

async function auditPage() {
  const a = await api('GET', '/api/ml/audit?limit=200');
  const v = a.verification;
  return [
    h('h1', {}, 'Audit log'),
    h(
      'div',
      { class: `notice ${a.ok ? 'ok' : 'error'}`, id: 'audit-status', dataset: { ok: a.ok } },
      a.ok
        ? `Chain verified: ${v.records} record(s), head ${v.headHash.slice(0, 16)}…; ${a.registry.changes} registry change(s), every one recorded.`
        : `NOT verified: ${v.problem || ''} ${a.registry.unaudited.length ? `${a.registry.unaudited.length} registry change(s) without a record` : ''}`,
    ),
    card(
      `Newest ${a.records.length} records (stream ${a.stream})`,
      table(
        ['seq', 'at', 'actor', 'action', 'subject', 'reason', 'verified'],
        a.records.map((r) => [
          { text: String(r.seq), attrs: { class: 'num' } },
          when(r.at),
          r.actor,
          r.action,
          r.subject,
          r.reason || '',
          { text: r.verified ? '✓' : '✗', attrs: { class: r.verified ? 'ok' : 'bad', dataset: { verified: r.verified } } },
        ]),
        { id: 'audit-records' },
      ),
    ),
  ];
}

// ---------- router ----------

const ROUTES = [
  [/^#?\/?$/, () => lineagesPage()],
  [/^#\/models\/([^/]+)$/, (m) => lineagePage(decodeURIComponent(m[1]))],
  [/^#\/models\/([^/]+)\/versions\/(\d+)$/, (m) => versionPage(decodeURIComponent(m[1]), Number(m[2]))],
  [/^#\/drift(?:\/([^/]+))?$/, (m) => driftPage(m[1] ? decodeURIComponent(m[1]) : undefined)],
  [/^#\/experiments$/, () => experimentsPage()],
  [/^#\/jobs$/, () => jobsPage()],
  [/^#\/audit$/, () => auditPage()],
];

let drawing = 0;
async function route(keepNotice) {
  const hash = location.hash || '#/';
  const me = ++drawing;
  if (!keepNotice) say('');
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('current', hash === a.getAttribute('href') || (a.getAttribute('href') !== '#/' && hash.startsWith(a.getAttribute('href'))));
  const found = ROUTES.map(([re, page]) => [re.exec(hash), page]).find(([m]) => m);
  document.body.dataset.state = 'loading';
  let nodes;
  try {
    nodes = found ? await found[1](found[0]) : [h('h1', {}, 'Not found'), h('p', {}, `No page ${hash}.`)];
  } catch (error) {
    nodes = [h('h1', {}, 'Could not load this page'), h('p', { class: 'notice error', role: 'alert' }, errorText(error))];
  }
  if (me !== drawing) return;
  main.replaceChildren(...nodes.flat());
  document.title = `${(main.querySelector('h1') || {}).textContent || 'Console'} · Mini-XDR ML`;
  // the charts draw in microtasks queued while the page was built: ready once those have run
  await Promise.resolve();
  setTimeout(() => (document.body.dataset.state = 'ready'), 0);
}

adoptToken();
document.getElementById('nav').replaceChildren(...NAV.map(([href, text]) => link(href, text)));
window.addEventListener('hashchange', () => route(false));
route(false);
