// The dashboard's shell: sign-in, the framework and slice filters, the tabs, and error handling
// shared by every view. The views themselves live in ./views/.
import { ApiError, forgetCredential, getJson, storeCredential, storedCredential } from './api.js';
import { $, announce as status, fill, notice } from './dom.js';
import { readFilters, setupFilters, writeFilters } from './filters.js';
import { heatmapView } from './views/heatmap.js';
import { matrixView } from './views/matrix.js';
import { ttcView } from './views/time-to-competency.js';
import { reassessmentsView } from './views/reassessments.js';
import { closeDrill } from './views/drill.js';
import { loadSummary } from './summary.js';

const VIEWS = { heatmap: heatmapView, matrix: matrixView, ttc: ttcView, reassessments: reassessmentsView };

const state = {
  /** @type {keyof typeof VIEWS} */
  view: 'heatmap',
  /** The selected framework's current version (roles, competencies, scales). */
  framework: null,
  /** Bumped on every load, so an answer that arrives after a newer request is dropped. */
  generation: 0,
};

/** What every view gets: the slice, the framework, and the shared error handling. */
function context(panel) {
  const generation = ++state.generation;
  return {
    panel,
    filters: readFilters(),
    framework: state.framework,
    isCurrent: () => generation === state.generation,
    status,
    fail: (err, where) => fail(err, where ?? panel),
    reload: () => void reload(),
  };
}

/**
 * One place for API errors: 401 sends the user back to sign-in (the credential was revoked or
 * mistyped), anything else shows the API's own message where the view would be.
 */
function fail(err, where) {
  if (err instanceof ApiError && err.status === 401) {
    signOut('The LRS no longer accepts this credential. Sign in again.');
    return;
  }
  const title = !(err instanceof ApiError) ? 'Something went wrong on this page'
    : err.status === 400 ? 'The LRS could not answer this question'
      : err.status === 403 ? 'This credential may not read analytics'
        : err.status === 404 ? 'Not found'
          : err.status === 0 ? 'No connection'
            : `The LRS answered ${err.status}`;
  status('');
  fill(where, notice('error', title, err instanceof Error ? err.message : String(err)));
  if (!(err instanceof ApiError)) console.error(err);
}

// --- sign-in -------------------------------------------------------------------------------

function showSignIn(message) {
  $('#workspace').hidden = true;
  $('#session').hidden = true;
  $('#signin').hidden = false;
  const error = $('#signin-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  $('#api-key').focus();
}

function signOut(message) {
  forgetCredential();
  closeDrill();
  for (const view of Object.values(VIEWS)) view.dispose?.();
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const key = form.key.value.trim();
  const secret = form.secret.value;
  const error = $('#signin-error');
  if (!key || !secret) {
    error.hidden = false;
    error.textContent = 'Enter both the API key and its secret.';
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const list = await getJson('/api/frameworks', {}, { key, secret });
    storeCredential(key, secret);
    form.reset();
    await enterWorkspace(list.frameworks);
  } catch (err) {
    error.hidden = false;
    error.textContent = err instanceof ApiError && err.status === 401 ? 'That key and secret were not accepted.' : err.message;
  } finally {
    button.disabled = false;
  }
}

// --- workspace -----------------------------------------------------------------------------

async function enterWorkspace(frameworks) {
  $('#signin').hidden = true;
  $('#workspace').hidden = false;
  $('#session').hidden = false;
  $('#session-key').textContent = storedCredential()?.key ?? '';
  const fromHash = new URLSearchParams(location.hash.slice(1));
  if (VIEWS[fromHash.get('view')]) state.view = fromHash.get('view');
  if (frameworks.length === 0) {
    fill($(`#view-${state.view}`), notice('info', 'No frameworks yet', 'Save a competency framework with PUT /api/frameworks/:id, then come back.'));
    selectTab(state.view, false);
    return;
  }
  await setupFilters({ frameworks, initial: Object.fromEntries(fromHash), onChange: reload, onFramework: loadFramework, fail: (err) => fail(err, $(`#view-${state.view}`)) });
  selectTab(state.view, false);
  await reload();
}

async function loadFramework(id) {
  const answer = await getJson(`/api/frameworks/${encodeURIComponent(id)}`);
  state.framework = answer.framework;
  return answer.framework;
}

async function reload() {
  const filters = readFilters();
  writeFilters(filters, state.view);
  closeDrill();
  const panel = $(`#view-${state.view}`);
  const ctx = context(panel);
  void loadSummary($('#summary'), filters, ctx.isCurrent);
  status(`Loading ${VIEWS[state.view].title.toLowerCase()}…`, true);
  try {
    await VIEWS[state.view].load(ctx);
    if (ctx.isCurrent()) status(`Updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    if (ctx.isCurrent()) fail(err, panel);
  }
}

function selectTab(view, load = true) {
  state.view = view;
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.dataset.view === view;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !selected;
  }
  if (load) void reload();
}

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab.dataset.view));
    // WAI-ARIA tabs pattern: arrows move between tabs, Home/End to the ends.
    tab.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      const target = tabs[(next + tabs.length) % tabs.length];
      target.focus();
      selectTab(target.dataset.view);
    });
  }
}

async function boot() {
  $('#signin-form').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', () => signOut());
  setupTabs();
  if (!storedCredential()) return showSignIn();
  try {
    const list = await getJson('/api/frameworks');
    await enterWorkspace(list.frameworks);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signOut('The LRS no longer accepts this credential. Sign in again.');
    else showSignIn(err.message);
  }
}

void boot();
