// The framework and slice picker. The slice is kept in the URL's fragment (never the
// credential), so a reload or a shared link opens the same view.
import { getJson } from './api.js';
import { $, fill, h } from './dom.js';

const FIELDS = ['role', 'team', 'cohort', 'manager', 'from', 'to'];

/** The current framework and slice, as /api/analytics parameters (empty ones left out). */
export function readFilters() {
  const form = $('#filters');
  const out = { framework: form.framework.value };
  for (const name of FIELDS) {
    const value = form[name].value.trim();
    if (value) out[name] = value;
  }
  return out;
}

/** Mirrors the slice and view into the fragment without adding a history entry per change. */
export function writeFilters(filters, view) {
  const params = new URLSearchParams({ view, ...filters });
  history.replaceState(null, '', `#${params}`);
}

/**
 * Fills the framework list, applies the slice found in the fragment, and wires the form:
 * a new framework reloads its roles, Apply and Clear reload the view.
 */
export async function setupFilters({ frameworks, initial, onChange, onFramework, fail }) {
  const form = $('#filters');
  fill(form.framework, frameworks.map((f) => h('option', { value: f.id }, f.title ? `${f.title}` : f.id)));
  const wanted = frameworks.some((f) => f.id === initial.framework) ? initial.framework : frameworks[0].id;
  form.framework.value = wanted;
  await applyFramework(wanted, onFramework, initial.role);
  for (const name of FIELDS) if (name !== 'role' && initial[name]) form[name].value = initial[name];
  void suggest(fail);

  if (form.dataset.wired) return;
  form.dataset.wired = 'true';
  form.framework.addEventListener('change', async () => {
    try {
      await applyFramework(form.framework.value, onFramework, '');
      await onChange();
    } catch (err) {
      fail(err);
    }
  });
  form.role.addEventListener('change', () => onChange());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void onChange();
  });
  form.addEventListener('reset', () => {
    // After the browser has reset the fields; the framework stays chosen.
    const framework = form.framework.value;
    setTimeout(() => {
      form.framework.value = framework;
      void onChange();
    });
  });
}

async function applyFramework(id, onFramework, role) {
  const framework = await onFramework(id);
  const form = $('#filters');
  fill(form.role, h('option', { value: '' }, 'All roles'), (framework.roles ?? []).map((r) => h('option', { value: r.id }, r.title ?? r.id)));
  form.role.value = (framework.roles ?? []).some((r) => r.id === role) ? role : '';
}

/** Offers the teams, cohorts and managers of the store's learners as suggestions. */
async function suggest(fail) {
  try {
    const { learners } = await getJson('/api/learners', { limit: 1000 });
    for (const [attr, list] of [['team', '#teams'], ['cohort', '#cohorts'], ['manager', '#managers']]) {
      const values = [...new Set(learners.map((l) => l[attr]).filter(Boolean))].sort();
      fill($(list), values.map((v) => h('option', { value: v })));
    }
  } catch (err) {
    // Suggestions are a convenience; only a refused credential matters here.
    if (err.status === 401) fail(err);
  }
}
