// Reassessment queue: validations falling due in the next N days, overdue ones first
// (GET /api/analytics/reassessments?days=N, paged).
import { downloadCsv, getJson } from '../api.js';
import { fill, fmt, h, notice, table } from '../dom.js';
import { openTrail } from './drill.js';
import { competencyTitle, csvName, exportButton, levelTitle, roleTitle, viewHead } from './shared.js';

const HORIZONS = [30, 60, 90, 180, 365];

export const reassessmentsView = {
  title: 'Reassessment queue',
  days: 30,

  async load(ctx) {
    const days = this.days;
    const params = { ...ctx.filters, days };
    const first = await getJson('/api/analytics/reassessments', { ...params, limit: 100 });
    if (!ctx.isCurrent()) return;
    const framework = ctx.framework;
    const horizon = h('select', { 'aria-label': 'Due within', class: 'select-small', onchange: (e) => { this.days = Number(e.currentTarget.value); ctx.reload(); } },
      HORIZONS.map((d) => h('option', { value: d, selected: d === days }, `Due within ${d} days`)));
    const exporter = exportButton({
      fail: ctx.fail,
      run: async () => {
        const filename = csvName('reassessments', ctx.filters, [`${days}d`]);
        const { rows } = await downloadCsv('/api/analytics/reassessments', { ...params, limit: 1000 }, filename);
        return { rows, filename };
      },
    });
    const head = viewHead({
      title: `Reassessment queue · ${first.count}`,
      text: `Validations in force whose reassessment falls due within ${days} days, soonest first; overdue ones are still valid but past their reassessment date.`,
      tools: [horizon, exporter],
    });
    if (first.count === 0) {
      fill(ctx.panel, head, notice('info', 'Nothing falls due', `No validation in this slice is due for reassessment within ${days} days.`));
      return;
    }
    const body = h('tbody');
    const addRows = (items) => {
      for (const it of items) {
        const open = h('button', { type: 'button', class: 'link-button', onclick: () => openTrail({ learnerId: it.learnerId, name: it.name, competencyId: it.competencyId, filters: ctx.filters, framework, fail: ctx.fail }) }, it.name || it.learnerId);
        body.append(h('tr', { dataset: { learner: it.learnerId } },
          h('td', {}, fmt.date(it.reassessmentDueAt), it.overdue ? h('span', { class: 'cell-sub' }, h('span', { class: 'pill pill-bad' }, 'Overdue')) : null),
          h('td', {}, open, h('span', { class: 'cell-sub' }, [roleTitle(framework, it.role), it.team, it.manager ? `manager ${it.manager}` : null].filter((x) => x && x !== 'No role').join(' · '))),
          h('td', {}, competencyTitle(framework, it.competencyId)),
          h('td', {}, h('span', { class: 'pill pill-ok' }, levelTitle(framework, it.competencyId, it.validatedLevel))),
          h('td', {}, fmt.date(it.validUntil))));
      }
    };
    addRows(first.items);
    const more = h('div', { class: 'more' });
    const setMore = (link) => {
      fill(more, link ? h('button', { type: 'button', class: 'button button-small', onclick: async (e) => {
        e.currentTarget.disabled = true;
        try {
          const url = new URL(link, location.href);
          const page = await getJson(url.pathname, Object.fromEntries(url.searchParams));
          addRows(page.items);
          setMore(page.more);
        } catch (err) {
          ctx.fail(err, more);
        }
      } }, 'Show more') : null);
    };
    setMore(first.more);
    const list = table({ columns: ['Due', 'Learner', 'Competency', 'Validated level', 'Valid until'], rows: [] });
    list.querySelector('tbody').replaceWith(body);
    fill(ctx.panel, head, h('div', { class: 'scroll' }, list), more);
  },
};
