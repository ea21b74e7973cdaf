// Time to competency: Kaplan–Meier step curves of the share not yet validated at the role's target,
// per role or cohort, for one competency, with each median marked
// (GET /api/analytics/time-to-competency?curves=true).
import { downloadCsv, getJson } from '../api.js';
import { fill, fmt, h, notice, table } from '../dom.js';
import { competencyTitle, csvName, exportButton, levelTitle, roleTitle, viewHead } from './shared.js';

const PALETTE = ['#4338ca', '#0e9f6e', '#d97706', '#db2777', '#0891b2', '#7c3aed', '#65a30d', '#dc2626'];

export const ttcView = {
  title: 'Time to competency',
  /** @type {'role' | 'cohort'} */
  per: 'role',
  /** The competency shown; the first with data when unset or gone from the answer. */
  competency: null,
  chart: null,

  dispose() {
    this.chart?.destroy();
    this.chart = null;
  },

  async load(ctx) {
    const per = this.per;
    const params = { ...ctx.filters, by: `competency,${per}` };
    const answer = await getJson('/api/analytics/time-to-competency', { ...params, curves: 'true' });
    if (!ctx.isCurrent()) return;
    this.dispose();
    const framework = ctx.framework;
    const competencyIds = [...new Set(answer.groups.map((g) => g.competencyId))];
    if (!competencyIds.includes(this.competency)) this.competency = competencyIds[0] ?? null;

    const toggle = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Curves per' },
      ['role', 'cohort'].map((value) => h('button', {
        type: 'button', 'aria-pressed': String(value === per),
        onclick: () => { if (this.per !== value) { this.per = value; ctx.reload(); } },
      }, value === 'role' ? 'Per role' : 'Per cohort')));
    const picker = h('select', { 'aria-label': 'Competency', class: 'select-small', onchange: (e) => { this.competency = e.currentTarget.value; ctx.reload(); } },
      competencyIds.map((id) => h('option', { value: id, selected: id === this.competency }, competencyTitle(framework, id))));
    const exporter = exportButton({
      fail: ctx.fail,
      run: async () => {
        const filename = csvName('time-to-competency', ctx.filters, [`per-${per}`]);
        const { rows } = await downloadCsv('/api/analytics/time-to-competency', params, filename);
        return { rows, filename };
      },
    });
    const head = viewHead({
      title: 'Time to competency',
      text: 'Kaplan–Meier estimate of the share of people not yet validated at their role’s target level, by days since role assignment (or first evidence). People not there yet are censored (ticks), not dropped; the dot marks each median.',
      tools: competencyIds.length ? [picker, toggle, exporter] : [toggle, exporter],
    });
    if (!this.competency) {
      fill(ctx.panel, head, notice('info', 'No one to measure in this slice', 'Time to competency counts learners whose role requires a competency and who have a start (role assignment or first evidence).'));
      return;
    }

    const groups = answer.groups.filter((g) => g.competencyId === this.competency);
    const label = (g) => (per === 'role' ? roleTitle(framework, g.role) : g.cohort ?? 'No cohort');
    const colour = (i) => PALETTE[i % PALETTE.length];
    const canvas = h('canvas', { role: 'img', 'aria-label': `Kaplan–Meier curves for ${competencyTitle(framework, this.competency)}: ${groups.map((g) => `${label(g)} median ${g.median === null ? 'not reached' : `${fmt.days(g.median)}`}`).join('; ')}` });
    const rows = groups.map((g, i) => [
      h('td', {}, h('span', { class: 'nowrap' }, h('span', { class: 'swatch', style: { '--swatch': colour(i) }, 'aria-hidden': 'true' }), label(g)), h('span', { class: 'cell-sub' }, `target ${levelTitle(framework, g.competencyId, g.targetLevel) ?? 'mixed'}`)),
      h('td', { class: 'num' }, String(g.n)),
      h('td', { class: 'num' }, String(g.events)),
      h('td', { class: 'num' }, String(g.censored)),
      h('td', { class: 'num strong nowrap' }, g.median === null ? 'not reached' : fmt.days(g.median)),
      h('td', { class: 'num' }, g.p75 === null ? '–' : fmt.days(g.p75)),
      h('td', { class: 'num' }, g.p90 === null ? '–' : fmt.days(g.p90)),
    ]);
    fill(ctx.panel, head, h('div', { class: 'chart-grid' },
      h('div', { class: 'chart-box' }, canvas),
      h('div', { class: 'scroll' }, table({ columns: [per === 'role' ? 'Role' : 'Cohort', { label: 'n', class: 'num' }, { label: 'Validated', class: 'num' }, { label: 'Censored', class: 'num' }, { label: 'Median', class: 'num' }, { label: 'p75', class: 'num' }, { label: 'p90', class: 'num' }], rows }))));
    this.chart = drawCurves(canvas, groups.map((g, i) => ({ label: label(g), colour: colour(i), group: g })));
  },
};

function drawCurves(canvas, series) {
  const Chart = window.Chart;
  const longest = Math.max(1, ...series.flatMap((s) => (s.group.curve ?? []).map((p) => p.days)));
  // A round end for the axis: 10, 20, 50, 100, 200, … days.
  const step = [1, 2, 5, 10].map((m) => m * 10 ** (Math.floor(Math.log10(longest)) - 1)).find((u) => longest / u <= 10);
  const maxDays = Math.ceil(longest / step) * step;
  const datasets = [];
  for (const { label, colour, group } of series) {
    const curve = group.curve ?? [];
    // S(0) = 1, then a step down at each event time (the step is drawn after the point).
    const points = [{ x: 0, y: 1 }, ...curve.map((p) => ({ x: p.days, y: p.survival }))];
    datasets.push({ kind: 'curve', label, data: points, borderColor: colour, backgroundColor: colour, stepped: 'after', borderWidth: 2.5, pointRadius: 0, pointHitRadius: 6 });
    const censored = curve.filter((p) => p.censored > 0).map((p) => ({ x: p.days, y: p.survival }));
    if (censored.length) datasets.push({ kind: 'censored', label: `${label} (censored)`, data: censored, showLine: false, borderColor: colour, pointStyle: 'line', rotation: 90, pointRadius: 6, pointBorderWidth: 2 });
    if (group.median !== null && group.median !== undefined) {
      datasets.push({ kind: 'median', label: `${label} median`, data: [{ x: group.median, y: 0 }, { x: group.median, y: 0.5 }], borderColor: colour, backgroundColor: colour, borderDash: [5, 4], borderWidth: 1.5, pointRadius: [0, 5], pointHoverRadius: [0, 7] });
    }
  }
  datasets.push({ kind: 'reference', label: '50 %', data: [{ x: 0, y: 0.5 }, { x: maxDays, y: 0.5 }], borderColor: '#9aa3b5', borderDash: [2, 4], borderWidth: 1, pointRadius: 0 });

  return new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { type: 'linear', min: 0, max: maxDays, title: { display: true, text: 'Days since start' }, grid: { color: '#eef0f5' } },
        y: { min: 0, max: 1, title: { display: true, text: 'Not yet competent' }, ticks: { callback: (v) => `${Math.round(v * 100)} %` }, grid: { color: '#eef0f5' } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'line', filter: (item, data) => data.datasets[item.datasetIndex].kind === 'curve' } },
        tooltip: {
          filter: (item) => item.dataset.kind !== 'reference',
          callbacks: {
            title: (items) => (items[0] ? `Day ${fmt.days(items[0].parsed.x)}` : ''),
            label: (item) => {
              if (item.dataset.kind === 'median') return item.dataIndex === 1 ? `${item.dataset.label}: ${fmt.days(item.parsed.x)}` : null;
              const base = item.dataset.label.replace(/ \(censored\)$/, '');
              return `${base}: ${fmt.percent(item.parsed.y)} not yet competent${item.dataset.kind === 'censored' ? ' (censored here)' : ''}`;
            },
          },
        },
      },
    },
  });
}
