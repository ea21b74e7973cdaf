// Skills matrix: learners × competencies with level, score interval, validation and its expiry
// (GET /api/analytics/skills-matrix, paged by learner).
import { downloadCsv, getJson } from '../api.js';
import { fill, fmt, h, notice } from '../dom.js';
import { openTrail } from './drill.js';
import { csvName, exportButton, levelIndex, roleTitle, viewHead } from './shared.js';

const PAGE = 100;

function cellView(cell, competency, framework) {
  const levels = competency.levels ?? [];
  const title = (id) => framework?.competencies?.find((c) => c.id === competency.id)?.scale?.levels?.find((l) => l.id === id)?.title ?? id;
  const required = cell.requiredLevel;
  let pill;
  if (competency.rollup) {
    // A roll-up parent stands on its children: validated or not, no evidence of its own.
    return h('td', { class: 'level', title: `${required ? `Required: ${title(required)}. ` : ''}Rolled up from its children`, dataset: { competency: competency.id } },
      cell.validated ? h('span', { class: 'pill pill-ok' }, `✓ ${title(cell.validatedLevel)}`) : h('span', { class: `pill ${required ? 'pill-bad' : 'pill-muted'}` }, 'Not validated'),
      h('span', { class: 'cell-sub' }, 'from its children'));
  }
  if (cell.validated) {
    const meets = !required || levelIndex(levels, cell.validatedLevel) >= levelIndex(levels, required);
    pill = h('span', { class: `pill ${meets ? 'pill-ok' : 'pill-warn'}` }, `✓ ${title(cell.validatedLevel)}`);
  } else if (cell.evidenceCount > 0) {
    pill = h('span', { class: `pill ${required ? 'pill-bad' : 'pill-muted'}` }, cell.level ? `~ ${title(cell.level)}` : '~ below first level');
  } else {
    pill = h('span', { class: `pill ${required ? 'pill-bad' : 'pill-muted'}` }, 'No evidence');
  }
  const detail = [
    required ? `Required: ${title(required)}` : 'Not required by the role',
    cell.validated ? `Validated ${title(cell.validatedLevel)} on ${fmt.date(cell.validatedAt)}, until ${fmt.date(cell.validUntil)}` : 'Not validated',
    cell.score !== null && cell.score !== undefined ? `Score ${fmt.score(cell.score)} (${fmt.interval(cell.interval)}), ${cell.evidenceCount} evidence` : 'No evidence',
  ].join('\n');
  return h('td', { class: 'level', title: detail, dataset: { competency: competency.id } }, pill,
    cell.score !== null && cell.score !== undefined ? h('span', { class: 'cell-sub' }, `${fmt.score(cell.score)} · ${fmt.interval(cell.interval)}`) : null,
    cell.validated && cell.validUntil ? h('span', { class: 'cell-sub' }, `until ${fmt.date(cell.validUntil)}`) : null);
}

export const matrixView = {
  title: 'Skills matrix',

  async load(ctx) {
    const first = await getJson('/api/analytics/skills-matrix', { ...ctx.filters, limit: PAGE });
    if (!ctx.isCurrent()) return;
    const framework = ctx.framework;
    const competencies = first.competencies;
    const exporter = exportButton({
      fail: ctx.fail,
      run: async () => {
        const filename = csvName('skills-matrix', ctx.filters);
        const { rows } = await downloadCsv('/api/analytics/skills-matrix', { ...ctx.filters, limit: 500 }, filename);
        return { rows, filename };
      },
    });
    const head = viewHead({
      title: 'Skills matrix',
      text: '✓ validated level (green when it meets the role’s requirement), ~ estimated level not yet validated, with score and credible interval. Select a learner’s cell to see its evidence.',
      tools: [exporter],
    });
    if (first.learners.length === 0) {
      fill(ctx.panel, head, notice('info', 'No learners in this slice', 'Widen the slice or import learners with POST /api/learners/import.'));
      return;
    }
    const body = h('tbody');
    const addRows = (learners) => {
      for (const l of learners) {
        const cells = new Map(l.cells.map((c) => [c.competencyId, c]));
        body.append(h('tr', { dataset: { learner: l.learnerId } },
          h('th', { scope: 'row' }, l.name || l.learnerId, h('span', { class: 'cell-sub' }, [roleTitle(framework, l.role), l.team, l.cohort].filter((x) => x && x !== 'No role').join(' · '))),
          competencies.map((c) => {
            const cell = cells.get(c.id);
            if (!cell) return h('td', { class: 'level' }, h('span', { class: 'muted', title: 'No evidence, not required' }, '–'));
            const td = cellView(cell, c, framework);
            if (cell.evidenceCount > 0 && !c.rollup) {
              td.classList.add('clickable');
              td.tabIndex = 0;
              const open = () => openTrail({ learnerId: l.learnerId, name: l.name, competencyId: c.id, filters: ctx.filters, framework, fail: ctx.fail });
              td.addEventListener('click', open);
              td.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); void open(); } });
            }
            return td;
          })));
      }
    };
    addRows(first.learners);
    const more = h('div', { class: 'more' });
    const setMore = (link) => {
      fill(more, link ? h('button', { type: 'button', class: 'button button-small', onclick: async (e) => {
        e.currentTarget.disabled = true;
        try {
          const url = new URL(link, location.href);
          const page = await getJson(url.pathname, Object.fromEntries(url.searchParams));
          addRows(page.learners);
          setMore(page.more);
        } catch (err) {
          ctx.fail(err, more);
        }
      } }, 'Show more learners') : null);
    };
    setMore(first.more);
    const grid = h('table', { class: 'data matrix' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Learner'), competencies.map((c) => h('th', { scope: 'col' }, c.title ?? c.id)))),
      body);
    fill(ctx.panel, head, h('div', { class: 'scroll' }, grid), more);
  },
};
