// The figures above the tabs: people in the slice, share ready for their role, coverage of
// required cells (GET /api/analytics/readiness) and reassessments due within 30 days.
import { getJson } from './api.js';
import { fill, fmt, h } from './dom.js';

const kpi = (label, value, note) => h('div', { class: 'card kpi' }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value), note ? h('div', { class: 'kpi-note' }, note) : null);

/** Fills `el` with the slice's headline figures; errors are left to the view below to explain. */
export async function loadSummary(el, filters, isCurrent) {
  const [readiness, due] = await Promise.allSettled([
    getJson('/api/analytics/readiness', filters),
    getJson('/api/analytics/reassessments', { ...filters, days: 30, limit: 1 }),
  ]);
  if (!isCurrent()) return;
  if (readiness.status !== 'fulfilled') return fill(el);
  const t = readiness.value.total;
  fill(el,
    kpi('People with a role', String(t.people), `${readiness.value.roles.filter((r) => r.people > 0).length} roles in this slice`),
    kpi('Ready for their role', fmt.percent(t.shareReady), `${t.ready} of ${t.people} have every requirement validated`),
    kpi('Required cells validated', fmt.percent(t.coverage), `${t.validatedCells} of ${t.requiredCells}`),
    due.status === 'fulfilled' ? kpi('Reassessments due', String(due.value.count), 'within 30 days, overdue included') : null);
}
