// Chart helpers shared by the console and the model card (a classic script: the console loads it with
// <script src>, the report inlines it). Chart.js (window.Chart) draws; animation is off so a page is
// complete as soon as it is drawn (screenshots, tests).
(function (root) {
  'use strict';
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];

  function base(options) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: options.legend !== false, position: 'bottom' }, title: { display: Boolean(options.title), text: options.title } },
    };
  }

  function axes(options) {
    const scale = (title, extra) => Object.assign({ title: { display: Boolean(title), text: title } }, extra || {});
    return { x: scale(options.xTitle, options.x), y: scale(options.yTitle, options.y) };
  }

  /** A line chart: labels on x, one line per dataset ({ label, data }). */
  function line(canvas, options) {
    return new root.Chart(canvas, {
      type: 'line',
      data: {
        labels: options.labels,
        datasets: options.datasets.map((d, i) =>
          Object.assign(
            {
              borderColor: PALETTE[i % PALETTE.length],
              backgroundColor: PALETTE[i % PALETTE.length],
              pointRadius: options.points === false ? 0 : 2,
              spanGaps: true,
              borderWidth: 2,
            },
            d,
          ),
        ),
      },
      options: Object.assign(base(options), { scales: axes(options) }),
    });
  }

  /** A bar chart; `horizontal` lays the bars along x (long label lists read better). */
  function bar(canvas, options) {
    const o = Object.assign(base(options), { scales: axes(options) });
    if (options.horizontal) o.indexAxis = 'y';
    return new root.Chart(canvas, {
      type: 'bar',
      data: {
        labels: options.labels,
        datasets: options.datasets.map((d, i) => Object.assign({ backgroundColor: d.colors || PALETTE[i % PALETTE.length] }, d)),
      },
      options: o,
    });
  }

  /** Curves of {x, y} points on linear axes (ROC): one line per series ({ label, points }). */
  function curves(canvas, options) {
    return new root.Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: options.series.map((s, i) => ({
          label: s.label,
          data: s.points,
          showLine: true,
          pointRadius: 0,
          borderWidth: 2,
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: Object.assign(base(options), { scales: axes(Object.assign({}, options, { x: { type: 'linear', min: 0, max: 1 }, y: { min: 0, max: 1 } })) }),
    });
  }

  /** Background colour of a heatmap cell for a share in [0, 1]. */
  function heat(share) {
    const s = Math.max(0, Math.min(1, share));
    return `rgba(37, 99, 235, ${(0.08 + 0.82 * s).toFixed(3)})`;
  }

  root.XdrCharts = { line, bar, curves, heat, PALETTE };
})(globalThis);
