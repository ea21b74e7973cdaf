// Pieces every view uses: its heading with tools, the CSV export button, level arithmetic.
import { announce, h } from '../dom.js';

/** The heading of a view: title, one line of explanation, tools on the right. */
export function viewHead({ title, text, tools = [], level = 'h2' }) {
  return h('div', { class: 'view-head' },
    h('div', {}, h(level, {}, title), text ? h('p', {}, text) : null),
    h('div', { class: 'view-tools' }, tools));
}

/**
 * A button that exports a view to CSV: `run` fetches the file (the API's own CSV where it has one)
 * and returns what it saved, for the status line.
 * @param {{ label?: string, run: () => Promise<{ rows: number, filename: string }>, fail: (err: unknown) => void }} options
 */
export function exportButton({ label = 'Export CSV', run, fail }) {
  const button = h('button', { type: 'button', class: 'button button-small', 'data-export': '' }, downloadIcon(), label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    announce('Preparing CSV…', true);
    try {
      const { rows, filename } = await run();
      announce(`Exported ${rows} ${rows === 1 ? 'row' : 'rows'} to ${filename}`);
    } catch (err) {
      announce('');
      fail(err);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** A file name for an export: the view, the framework's last path segment, today. */
export function csvName(view, filters, extra = []) {
  const fw = (filters.framework ?? '').split(/[/#:]/).filter(Boolean).pop() ?? 'framework';
  const slice = ['role', 'team', 'cohort', 'manager'].map((k) => filters[k]).filter(Boolean);
  const parts = [view, fw, ...slice, ...extra, new Date().toISOString().slice(0, 10)];
  return `${parts.map((p) => String(p).replace(/[^\w.-]+/g, '-')).join('_')}.csv`;
}

/** Position of `level` on a scale (list of level ids), -1 for none. */
export function levelIndex(levels, level) {
  return level ? levels.indexOf(level) : -1;
}

/** A level id as people read it: the framework's title when it has one. */
export function levelTitle(framework, competencyId, level) {
  if (!level) return null;
  const competency = framework?.competencies?.find((c) => c.id === competencyId);
  const found = competency?.scale?.levels?.find((l) => l.id === level);
  return found?.title ?? level;
}

export function roleTitle(framework, role) {
  if (role === null || role === undefined) return 'No role';
  return framework?.roles?.find((r) => r.id === role)?.title ?? role;
}

export function competencyTitle(framework, id) {
  return framework?.competencies?.find((c) => c.id === id)?.title ?? id;
}

const SVG = 'http://www.w3.org/2000/svg';

function downloadIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 16 16', width: '14', height: '14', 'aria-hidden': 'true' })) svg.setAttribute(k, v);
  const path = document.createElementNS(SVG, 'path');
  for (const [k, v] of Object.entries({ d: 'M8 1.5v8.5m0 0L4.5 6.5M8 10l3.5-3.5M2 11.5v3h12v-3', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.6', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })) path.setAttribute(k, v);
  svg.append(path);
  return svg;
}
