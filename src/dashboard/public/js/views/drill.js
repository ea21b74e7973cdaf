// Drill-down: the learners behind a heatmap cell (GET /api/analytics/gaps/learners), then one
// learner's evidence trail for the competency (GET /api/learners/:id/competencies/:competencyId).
import { downloadCsv, getJson, saveText, toCsv } from '../api.js';
import { $, fill, fmt, h, notice, table } from '../dom.js';
import { competencyTitle, csvName, exportButton, levelTitle, roleTitle, viewHead } from './shared.js';

let current = 0;

export function closeDrill() {
  current++;
  const drill = $('#drill');
  if (drill) fill(drill).hidden = true;
}

function drillArea() {
  const drill = $('#drill');
  drill.hidden = false;
  return drill;
}

const closeButton = () => h('button', { type: 'button', class: 'button button-small button-quiet', onclick: closeDrill, 'aria-label': 'Close the drill-down' }, 'Close');

/** Opens the learners of one (group, competency) cell of the gap heatmap. */
export async function openCellDrill({ by, group, groupLabel, competencyId, competencyTitle: title, filters, framework, fail }) {
  const token = ++current;
  const drill = drillArea();
  const card = h('section', { class: 'card drill-learners', 'aria-labelledby': 'drill-title' }, h('p', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading learners…'));
  const trail = h('section', { class: 'card drill-trail', id: 'trail', hidden: true });
  fill(drill, card, trail);
  const params = { ...filters, by, group: group ?? '~none', competency: competencyId };
  try {
    const answer = await getJson('/api/analytics/gaps/learners', params);
    if (token !== current) return;
    const below = answer.learners.filter((l) => l.below).length;
    const exporter = exportButton({
      fail: (err) => fail(err, card),
      run: async () => {
        const filename = csvName('gap-learners', filters, [group ?? 'no-team', competencyId]);
        const { rows } = await downloadCsv('/api/analytics/gaps/learners', params, filename);
        return { rows, filename };
      },
    });
    const rows = answer.learners.map((l) => {
      const open = h('button', { type: 'button', class: 'link-button', onclick: (e) => {
        for (const tr of card.querySelectorAll('tr.selected')) tr.classList.remove('selected');
        e.currentTarget.closest('tr').classList.add('selected');
        void openTrail({ learnerId: l.learnerId, name: l.name, competencyId, filters, framework, fail, into: trail });
      } }, l.name || l.learnerId);
      return h('tr', { dataset: { learner: l.learnerId } },
        h('td', {}, open, h('span', { class: 'cell-sub' }, [roleTitle(framework, l.role), l.team, l.cohort].filter(Boolean).join(' · '))),
        h('td', { class: 'nowrap' }, levelTitle(framework, competencyId, l.heldLevel) ?? 'None', h('span', { class: 'cell-sub' }, `of ${levelTitle(framework, competencyId, l.targetLevel) ?? '–'}`)),
        h('td', {}, l.below ? h('span', { class: 'pill pill-bad' }, `Below · ${l.shortfallLevels} ${l.shortfallLevels === 1 ? 'level' : 'levels'}`) : h('span', { class: 'pill pill-ok' }, 'Meets')),
        h('td', { class: 'num' }, fmt.score(l.score)),
        h('td', { class: 'nowrap' }, fmt.date(l.validUntil)));
    });
    fill(card,
      h('div', { class: 'crumbs' }, 'Gap heatmap › ', `${groupLabel} × ${title}`),
      viewHead({
        title: `${answer.learners.length} ${answer.learners.length === 1 ? 'learner' : 'learners'}, ${below} below`,
        text: 'Select a learner to see the evidence behind their score.',
        tools: [exporter, closeButton()],
        level: 'h2',
      }),
      answer.learners.length === 0 ? notice('info', 'No learners in this cell') : table({ columns: ['Learner', 'Held level', 'Gap', { label: 'Score', class: 'num' }, 'Valid until'], rows }));
    card.querySelector('h2').id = 'drill-title';
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  } catch (err) {
    if (token === current) fail(err, card);
  }
}

const STATUS = {
  counted: ['Counted', 'pill-ok'],
  retracted: ['Retracted', 'pill-bad'],
  duplicate: ['Duplicate', 'pill-muted'],
  'not-yet-observed': ['Not yet observed', 'pill-warn'],
};

/** Opens one learner's evidence trail for a competency: every statement and what it contributed. */
export async function openTrail({ learnerId, name, competencyId, filters, framework, fail, into }) {
  const token = current;
  const card = into ?? fill(drillArea(), h('section', { class: 'card drill-trail', id: 'trail' })).firstChild;
  card.hidden = false;
  fill(card, h('p', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the evidence trail…'));
  try {
    const answer = await getJson(`/api/learners/${encodeURIComponent(learnerId)}/competencies/${encodeURIComponent(competencyId)}`, { framework: filters.framework });
    if (token !== current) return;
    renderTrail(card, { answer, learnerId, name, competencyId, filters, framework, fail });
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  } catch (err) {
    if (token === current) fail(err, card);
  }
}

const TRAIL_COLUMNS = ['statementId', 'status', 'observedAt', 'storedAt', 'sourceKind', 'indicatorId', 'value', 'weight', 'share', 'assessor', 'ruleId', 'frameworkVersion', 'retractedAt', 'retractedBy'];

function renderTrail(card, { answer, learnerId, name, competencyId, filters, framework, fail }) {
  const s = answer.state ?? {};
  const title = competencyTitle(framework, competencyId);
  const ttc = answer.timeToCompetency;
  const evidence = answer.evidence ?? [];
  // The API has no CSV of one trail; this is the same rows as the table, RFC 4180 like the API's.
  const exporter = exportButton({
    fail: (err) => fail(err, card),
    run: async () => {
      const filename = csvName('evidence', { framework: filters.framework }, [learnerId, competencyId]);
      saveText(toCsv(TRAIL_COLUMNS, evidence.map((e) => [e.statementId, e.status, e.observedAt, e.storedAt, e.sourceKind, e.indicatorId, e.value, e.weight, e.contribution?.share, e.assessor?.name ?? e.assessor?.ifi, e.ruleId, e.frameworkVersion, e.retractedAt, e.retractedBy])), filename, 'text/csv;charset=utf-8');
      return { rows: evidence.length, filename };
    },
  });
  const facts = [
    ['Score', s.score === undefined ? '–' : [fmt.score(s.score), h('small', {}, `interval ${fmt.interval(s.interval)}`)]],
    ['Estimated level', levelTitle(framework, competencyId, s.level) ?? 'Below the first level'],
    ['Validated', s.validated ? [levelTitle(framework, competencyId, s.validatedLevel), h('small', {}, s.validUntil ? `until ${fmt.date(s.validUntil)}` : 'no expiry')] : 'Not validated'],
    ['Evidence counted', String(s.evidenceCount ?? 0)],
    ['Time to competency', !ttc?.applicable ? 'Not applicable' : ttc.censored ? ['Not yet', h('small', {}, `${fmt.days(ttc.durationDays)} so far`)] : fmt.days(ttc.durationDays)],
  ];
  const rows = evidence.map((e) => {
    const [label, pill] = STATUS[e.status] ?? [e.status, 'pill-muted'];
    const share = e.contribution?.share;
    return h('tr', { class: e.status === 'retracted' ? 'retracted' : null, dataset: { statement: e.statementId, status: e.status } },
      h('td', { class: 'nowrap' }, fmt.date(e.observedAt), h('span', { class: 'cell-sub' }, fmt.time(e.observedAt))),
      h('td', { class: 'statement', title: e.statementId }, h('code', {}, e.statementId.slice(0, 8))),
      h('td', {}, h('span', { class: 'nowrap' }, e.sourceKind), e.indicatorId ? h('span', { class: 'cell-sub' }, `indicator ${e.indicatorId}`) : null, h('span', { class: 'cell-sub nowrap' }, 'rule ', h('code', { class: 'rule' }, e.ruleId))),
      h('td', { class: 'num nowrap' }, fmt.score(e.value), h('span', { class: 'cell-sub' }, `weight ${e.weight}`)),
      h('td', { class: 'nowrap' }, share === undefined ? '–' : [h('span', { class: 'bar', style: { width: `${Math.max(2, Math.round(share * 60))}px` }, 'aria-hidden': 'true' }), fmt.percent(share)]),
      h('td', {}, e.assessor ? (e.assessor.name ?? e.assessor.ifi) : '–', e.assessor ? h('span', { class: 'cell-sub' }, e.assessor.source) : null),
      h('td', {}, h('span', { class: `pill ${pill}` }, label), e.status === 'retracted' ? h('span', { class: 'cell-sub', title: e.retractedBy ?? '' }, `${fmt.date(e.retractedAt)} · ${shortenIds(e.retractedBy ?? '')}`) : null));
  });
  fill(card,
    h('div', { class: 'crumbs' }, 'Evidence trail'),
    viewHead({ title: `${name || learnerId} · ${title}`, text: 'Every statement that produced evidence, oldest first, with what it contributes to the score now.', tools: [exporter] }),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
    evidence.length === 0
      ? notice('info', s.mode && s.mode !== 'own-evidence' ? 'Rolled up from its children' : 'No evidence yet', s.children ? s.children.map((c) => `${c.competencyId}: ${c.validated ? 'validated' : 'not validated'}`).join(', ') : null)
      : h('div', { class: 'scroll' }, table({ caption: `${evidence.length} pieces of evidence`, columns: ['Observed', 'Statement', 'Source and rule', { label: 'Value', class: 'num' }, 'Share now', 'Assessor', 'Status'], rows })));
}

/** "voided by 2f0c…" rather than a whole UUID in a narrow column (the full text is the title). */
function shortenIds(text) {
  return text.replace(/\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '$1…');
}
