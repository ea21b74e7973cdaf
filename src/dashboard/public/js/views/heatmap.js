// Gap heatmap: role or team × competency, coloured by the share of people below the level their
// role requires (GET /api/analytics/gaps). A cell opens the learners behind it.
import { downloadCsv, getJson } from '../api.js';
import { fill, fmt, h, notice } from '../dom.js';
import { openCellDrill } from './drill.js';
import { csvName, exportButton, levelTitle, roleTitle, viewHead } from './shared.js';

// Sequential scale, lightness falling monotonically (readable in greyscale and by people with
// colour-vision deficiencies): pale green for no gap through amber to deep red for everyone below.
const STOPS = [[0, [232, 245, 236]], [0.25, [253, 233, 196]], [0.5, [249, 178, 122]], [0.75, [226, 93, 74]], [1, [146, 26, 52]]];

export function heatColour(share) {
  const x = Math.min(1, Math.max(0, share));
  const i = Math.max(1, STOPS.findIndex(([at]) => at >= x));
  const [a, ca] = STOPS[i - 1];
  const [b, cb] = STOPS[i];
  const t = b === a ? 0 : (x - a) / (b - a);
  const rgb = ca.map((v, k) => Math.round(v + (cb[k] - v) * t));
  // Text in whichever of white and near-black contrasts more with the cell (WCAG 2 luminance).
  const light = (1 + 0.05) / (luminance(rgb) + 0.05);
  const dark = (luminance(rgb) + 0.05) / (luminance([23, 32, 51]) + 0.05);
  return { background: `rgb(${rgb.join(' ')})`, ink: light > dark ? '#ffffff' : '#172033' };
}

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

let tooltip;
function showTooltip(target, lines) {
  tooltip ??= document.body.appendChild(h('div', { class: 'tooltip', role: 'tooltip', hidden: true }));
  fill(tooltip, h('strong', {}, lines[0]), lines.slice(1).flatMap((l, i) => (i === 0 ? [l] : [h('br'), l])));
  tooltip.hidden = false;
  const r = target.getBoundingClientRect();
  const t = tooltip.getBoundingClientRect();
  const left = Math.min(window.innerWidth - t.width - 8, Math.max(8, r.left + r.width / 2 - t.width / 2));
  const top = r.top - t.height - 8 >= 0 ? r.top - t.height - 8 : r.bottom + 8;
  tooltip.style.setProperty('left', `${left}px`);
  tooltip.style.setProperty('top', `${top}px`);
}
function hideTooltip() {
  if (tooltip) tooltip.hidden = true;
}

export const heatmapView = {
  title: 'Gap heatmap',
  /** @type {'role' | 'team'} */
  by: 'role',

  async load(ctx) {
    const by = this.by;
    const answer = await getJson('/api/analytics/gaps', { ...ctx.filters, by });
    if (!ctx.isCurrent()) return;
    const framework = ctx.framework;
    const groupLabel = (g) => (by === 'role' ? roleTitle(framework, g) : g ?? 'No team');

    const toggle = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Rows' },
      ['role', 'team'].map((value) => h('button', {
        type: 'button', 'aria-pressed': String(value === by),
        onclick: () => { if (this.by !== value) { this.by = value; ctx.reload(); } },
      }, value === 'role' ? 'By role' : 'By team')));
    const exporter = exportButton({
      fail: ctx.fail,
      run: async () => {
        const filename = csvName('gaps', ctx.filters, [`by-${by}`]);
        const { rows } = await downloadCsv('/api/analytics/gaps', { ...ctx.filters, by }, filename);
        return { rows, filename };
      },
    });
    const head = viewHead({
      title: 'Gap heatmap',
      text: `Share of people below the level their role requires, by ${by} and competency, judged ${answer.window?.to ? `on ${fmt.date(answer.window.to)}` : 'now'}. Select a cell to see the learners behind it.`,
      tools: [toggle, exporter],
    });

    if (answer.cells.length === 0) {
      fill(ctx.panel, head, notice('info', 'No required competencies in this slice', 'No learner in this slice has a role of this framework with requirements. Widen the slice, or give learners a role.'));
      return;
    }

    const byKey = new Map(answer.cells.map((c) => [`${c.group}\u0000${c.competencyId}`, c]));
    const competencies = answer.competencies.filter((c) => answer.cells.some((cell) => cell.competencyId === c.id));
    const grid = h('table', { class: 'heatmap', 'aria-describedby': 'heat-legend' },
      h('caption', { class: 'sr-only' }, `Share below required level by ${by} and competency`),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, by === 'role' ? 'Role' : 'Team'),
        competencies.map((c) => h('th', { scope: 'col' }, c.title ?? c.id)))),
      h('tbody', {}, answer.groups.map((g) => h('tr', {},
        h('th', { scope: 'row' }, groupLabel(g.group), h('span', { class: 'cell-sub' }, `${g.people} ${g.people === 1 ? 'person' : 'people'}`)),
        competencies.map((c) => {
          const cell = byKey.get(`${g.group}\u0000${c.id}`);
          if (!cell) return h('td', {}, h('span', { class: 'heat-empty' }, 'not required'));
          const colour = heatColour(cell.shareBelow);
          const target = cell.targetLevel ? levelTitle(framework, c.id, cell.targetLevel) : 'their target';
          const lines = [
            `${groupLabel(g.group)} × ${c.title ?? c.id}`,
            `${cell.below} of ${cell.people} below ${target} (${fmt.percent(cell.shareBelow)})`,
            `Mean shortfall: ${fmt.score(cell.meanShortfallLevels)} levels, ${fmt.score(cell.meanShortfallScore)} score`,
          ];
          return h('td', {}, h('button', {
            type: 'button', class: 'heat-cell',
            style: { '--heat': colour.background, '--heat-ink': colour.ink },
            'aria-label': `${lines[0]}: ${lines[1]}. ${lines[2]}. Show the learners.`,
            dataset: { group: g.group ?? '', competency: c.id },
            onmouseenter: (e) => showTooltip(e.currentTarget, lines),
            onfocus: (e) => showTooltip(e.currentTarget, lines),
            onmouseleave: hideTooltip,
            onblur: hideTooltip,
            onclick: (e) => {
              hideTooltip();
              for (const b of ctx.panel.querySelectorAll('.heat-cell[aria-pressed]')) b.removeAttribute('aria-pressed');
              e.currentTarget.setAttribute('aria-pressed', 'true');
              void openCellDrill({ by, group: g.group, groupLabel: groupLabel(g.group), competencyId: c.id, competencyTitle: c.title ?? c.id, filters: ctx.filters, framework, fail: ctx.fail });
            },
          }, fmt.percent(cell.shareBelow), h('small', {}, `${cell.below} of ${cell.people}`)));
        })))));

    const legend = h('div', { class: 'legend', id: 'heat-legend' },
      h('span', {}, 'No one below'),
      h('span', { class: 'legend-bar', 'aria-hidden': 'true' }, [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1].map((x) => h('span', { style: { '--heat': heatColour(x).background } }))),
      h('span', {}, 'Everyone below the required level'));
    fill(ctx.panel, head, h('div', { class: 'scroll' }, grid), legend);
  },
};
