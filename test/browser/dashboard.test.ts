import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestLrs, xapi, type TestLrs } from '../helpers/test-lrs';
import { listen, type Listening } from '../helpers/listen';
import { api, enc, sampleFramework, sampleRules } from '../helpers/api-fixtures';
import { DAY, startWorker, voiding, waitFor, waitScored } from '../helpers/competency-fixtures';
import type { CompetencyWorker } from '../../src/competency/competency-worker';

// Drives /dashboard in Debian's Chromium (playwright-core with its executable path: a test
// tool's own browser download cannot work on our machines) against the real app on a real port,
// the real MongoDB-compatible server and Redis, with data scored by the real worker.
// `.ci/run` installs chromium when it is missing; this test never skips.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const STORAGE_KEY = 'competency-lrs.dashboard.credential';

jest.setTimeout(120_000);

const now = Date.now();
const iso = (t: number) => new Date(t).toISOString();
const FW = sampleFramework(`https://example.com/frameworks/browser-${randomUUID().slice(0, 8)}`);
// A second role, so the heatmap has more than one row.
FW.roles.push({ id: 'lead', title: 'Team lead', requirements: [{ competencyId: 'listening', targetLevel: 'expert' }] });

/**
 * Five people. Ada and Dee reach "proficient" listening 20 and 30 days after their role
 * assignment; Bob (one weak quiz) and Cy (nothing) are still on their way after 100 and 50 days;
 * Eve leads and has nothing yet. Ada's validation is 340 days old, so (valid 365 days, reassess
 * 30 days before) her reassessment is 5 days overdue while still valid.
 */
const PEOPLE = [
  { id: 'ada', name: 'Ada Lovelace', role: 'agent', team: 'north', cohort: '2025-h2', start: now - 360 * DAY, quizzes: [1, 1, 1, 1, 1, 1].map((v) => [v, now - 340 * DAY] as const) },
  { id: 'bob', name: 'Bob Kahn', role: 'agent', team: 'north', cohort: '2025-h2', start: now - 100 * DAY, quizzes: [[0.3, now - 90 * DAY] as const] },
  { id: 'cy', name: 'Cy Young', role: 'agent', team: 'south', cohort: '2026-h1', start: now - 50 * DAY, quizzes: [] },
  { id: 'dee', name: 'Dee Hock', role: 'agent', team: 'south', cohort: '2026-h1', start: now - 200 * DAY, quizzes: [1, 1, 1, 1, 1, 1].map((v) => [v, now - 170 * DAY] as const) },
  { id: 'eve', name: 'Eve Curie', role: 'lead', team: 'north', cohort: '2026-h1', start: now - 10 * DAY, quizzes: [] },
];

function quiz(who: string, scaled: number, at: number): Record<string, unknown> {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', name: who, mbox: `mailto:${who}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/scored', display: { 'en-US': 'scored' } },
    object: { objectType: 'Activity', id: 'https://example.com/quizzes/listening' },
    result: { score: { scaled } },
    timestamp: iso(at),
  };
}

let lrs: TestLrs;
let server: Listening;
let worker: CompetencyWorker;
let browser: BrowserContext;
let page: Page;
let userDataDir: string;
let key: string;
let secret: string;
let retractedId: string;
const problems: string[] = [];
const requestedUrls: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does`);
  lrs = await startTestLrs();
  server = await listen(lrs.app);
  worker = await startWorker(lrs);

  // Everything through the public APIs, as an administrator would.
  await api(lrs.app).put(`/api/frameworks/${enc(FW.id)}`).send(FW).expect(201);
  await api(lrs.app).put(`/api/frameworks/${enc(FW.id)}/rules`).send(sampleRules()).expect(201);
  for (const p of PEOPLE) {
    await api(lrs.app).put(`/api/learners/${p.id}`).send({ name: p.name, identities: [{ mbox: `mailto:${p.id}@example.com` }], role: p.role, team: p.team, cohort: p.cohort, manager: 'grace', roleAssignedAt: iso(p.start) }).expect(201);
  }
  const statements = PEOPLE.flatMap((p) => p.quizzes.map(([v, at]) => quiz(p.id, v, at)));
  const bad = quiz('ada', 0.05, now - 339 * DAY);
  retractedId = bad.id as string;
  await xapi(lrs.app).post('/xapi/statements').send([...statements, bad]).expect(200);
  await waitScored(lrs);
  await xapi(lrs.app).post('/xapi/statements').send(voiding(retractedId)).expect(200);
  await waitScored(lrs);
  let last: unknown;
  await waitFor('the analytics to show the scored cohort', async () => {
    const res = await api(lrs.app).get(`/api/analytics/gaps?framework=${enc(FW.id)}&by=role`);
    last = res.body;
    const cell = res.body?.cells?.find((c: { group: string; competencyId: string }) => c.group === 'agent' && c.competencyId === 'listening');
    return cell?.people === 4 && cell.below === 2;
  }).catch((err: Error) => { throw new Error(`${err.message}; the last answer: ${JSON.stringify(last)}`); });

  // A read-only credential: the dashboard needs nothing more.
  ({ key, secret } = await lrs.container.auth.createCredential({ store: 'default', scopes: ['competency/read'], name: 'dashboard browser test' }));

  userDataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: ARGS,
    viewport: { width: 1440, height: 1000 }, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true,
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('console', (m) => {
    // Chromium logs every non-2xx fetch; the 400 and 401 below are provoked on purpose.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 40[01]/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requestedUrls.push(r.url()));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await worker?.close();
  await server?.close();
  await lrs?.close();
});

const heatCell = (group: string, competency: string) => page.locator(`#view-heatmap .heat-cell[data-group="${group}"][data-competency="${competency}"]`);

describe('the dashboard in a browser', () => {
  it('asks for a credential, refuses a wrong secret and signs in with a read-only one', async () => {
    await page.goto(`${server.origin}/dashboard`);
    await page.locator('#signin-form').waitFor();
    await page.fill('#api-key', key);
    await page.fill('#api-secret', 'not-the-secret');
    await page.click('#signin-form button[type="submit"]');
    await expectText(page.locator('#signin-error'), 'That key and secret were not accepted.');

    await page.fill('#api-secret', secret);
    await page.click('#signin-form button[type="submit"]');
    await page.locator('#workspace').waitFor();
    expect(await page.locator('#session-key').textContent()).toBe(key);
    expect(await page.locator('#f-framework option:checked').textContent()).toBe('Customer service');
  });

  it('shows the gap heatmap: share below the required level per role and competency, counts on hover', async () => {
    const cell = heatCell('agent', 'listening');
    await cell.waitFor();
    expect(await cell.innerText()).toBe('50%\n2 of 4');
    expect(await heatCell('agent', 'service').innerText()).toBe('100%\n4 of 4');
    expect(await heatCell('lead', 'listening').innerText()).toBe('100%\n1 of 1');
    expect(await page.locator('#view-heatmap tbody th').allInnerTexts()).toEqual(['Service agent\n4 people', 'Team lead\n1 person']);
    await cell.hover();
    await expectText(page.locator('.tooltip'), '2 of 4 below Proficient (50%)');
    // The headline figures above the tabs.
    await expectText(page.locator('#summary .kpi').first(), '5');
  });

  it('lists the learners behind a cell, then one learner\'s evidence trail with the retracted statement marked', async () => {
    await heatCell('agent', 'listening').click();
    const rows = page.locator('.drill-learners tbody tr');
    await rows.first().waitFor();
    expect(await page.locator('.drill-learners h2').textContent()).toBe('4 learners, 2 below');
    expect(await rows.locator('.link-button').allTextContents()).toEqual(['Ada Lovelace', 'Bob Kahn', 'Cy Young', 'Dee Hock']);
    expect(await rows.locator('.pill').allTextContents()).toEqual(['Meets', 'Below · 2 levels', 'Below · 2 levels', 'Meets']);

    await rows.locator('.link-button', { hasText: 'Ada Lovelace' }).click();
    const trail = page.locator('#trail tbody tr');
    await trail.first().waitFor();
    expect(await page.locator('#trail h2').textContent()).toBe('Ada Lovelace · Active listening');
    expect(await trail.count()).toBe(7);
    expect(await trail.locator('.pill').allTextContents()).toEqual([...Array(6).fill('Counted'), 'Retracted']);
    const retracted = page.locator(`#trail tr.retracted[data-statement="${retractedId}"]`);
    expect(await retracted.count()).toBe(1);
    expect(await retracted.innerText()).toMatch(/voided by/);
    for (const rule of await trail.locator('code.rule').allTextContents()) expect(rule).toBe('listening-quiz');
    const facts = await page.locator('#trail .facts').textContent();
    expect(facts).toContain('ValidatedProficientuntil');
    expect(facts).toContain('Time to competency20 d');

    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-heatmap-drill.png'), fullPage: true });
  });

  it('exports the trail as CSV (the API has no CSV of one trail, so the page writes it the same way)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#trail [data-export]').click()]);
    expect(download.suggestedFilename()).toMatch(/^evidence_browser-[0-9a-f]{8}_ada_listening_\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('statementId,status,observedAt,storedAt,sourceKind,indicatorId,value,weight,share,assessor,ruleId,frameworkVersion,retractedAt,retractedBy');
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.includes(',counted,'))).toHaveLength(6);
    expect(lines[7]).toMatch(new RegExp(`^${retractedId},retracted,.*,knowledge-check,,0\\.05,1,,,listening-quiz,`));
  });

  it('exports the heatmap as the API\'s CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#view-heatmap [data-export]').click()]);
    expect(download.suggestedFilename()).toMatch(/^gaps_browser-[0-9a-f]{8}_by-role_\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('group,competencyId,targetLevel,people,below,shareBelow,meanShortfallLevels,meanShortfallLevelsBelow,meanShortfallScore');
    expect(lines).toContainEqual(expect.stringMatching(/^agent,listening,proficient,4,2,0\.5,/));
    expect(lines).toContainEqual(expect.stringMatching(/^lead,listening,expert,1,1,1,/));
    // The same bytes the API gives a CSV client.
    const direct = await api(lrs.app).get(`/api/analytics/gaps?framework=${enc(FW.id)}&by=role&format=csv`).expect(200);
    expect(csv).toBe(direct.text);
    await expectText(page.locator('#status'), `Exported ${lines.length - 1} rows to ${download.suggestedFilename()}`);
  });

  it('draws time-to-competency curves per role with the median in the table', async () => {
    await page.click('#tab-ttc');
    await page.locator('#view-ttc canvas').waitFor();
    const agent = page.locator('#view-ttc tbody tr', { hasText: 'Service agent' });
    await agent.waitFor();
    // 4 agents: validated after 20 and 30 days, 2 still censored → the estimate reaches 50 % at 30 days.
    expect((await agent.locator('td').allInnerTexts()).map((t) => t.split('\n')[0])).toEqual(['Service agent', '4', '2', '2', '30 d', '–', '–']);
    expect(await page.locator('#view-ttc canvas').getAttribute('aria-label')).toContain('Service agent median 30 d');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-time-to-competency.png'), fullPage: true });
  });

  it('shows the skills matrix and the reassessment queue', async () => {
    await page.click('#tab-matrix');
    const ada = page.locator('#view-matrix tr[data-learner="ada"] td[data-competency="listening"]');
    await ada.waitFor();
    expect(await ada.locator('.pill').textContent()).toBe('✓ Proficient');
    expect(await page.locator('#view-matrix tr[data-learner="cy"] td[data-competency="listening"] .pill').textContent()).toBe('No evidence');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-skills-matrix.png'), fullPage: true });

    await page.click('#tab-reassessments');
    const rows = page.locator('#view-reassessments tbody tr');
    await rows.first().waitFor();
    expect(await page.locator('#view-reassessments h2').textContent()).toBe('Reassessment queue · 1');
    expect(await rows.first().innerText()).toMatch(/Overdue[\s\S]*Ada Lovelace[\s\S]*Active listening[\s\S]*Proficient/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-reassessments.png'), fullPage: true });
  });

  it('shows the API\'s own message for a slice it refuses (400)', async () => {
    await page.click('#tab-heatmap');
    await heatCell('agent', 'listening').waitFor();
    await page.fill('#f-from', '2026-12-31');
    await page.fill('#f-to', '2026-01-01');
    await page.click('#filters button[type="submit"]');
    const alert = page.locator('#view-heatmap [role="alert"]');
    await alert.waitFor();
    const refused = await api(lrs.app).get(`/api/analytics/gaps?framework=${enc(FW.id)}&by=role&from=2026-12-31&to=2026-01-01`).expect(400);
    expect(await alert.locator('strong').textContent()).toBe('The LRS could not answer this question');
    expect(await alert.locator('p').textContent()).toBe(refused.body.error.message);
    expect(refused.body.error.message).toMatch(/from/);
    await page.click('#filters button[type="reset"]');
    await heatCell('agent', 'listening').waitFor();
  });

  it('slices the heatmap by team and by role', async () => {
    await page.locator('#view-heatmap .segmented button', { hasText: 'By team' }).click();
    await heatCell('north', 'listening').waitFor();
    // North: Ada (meets proficient), Bob (below proficient), Eve (lead, below expert).
    expect(await heatCell('north', 'listening').innerText()).toBe('67%\n2 of 3');
    expect(await heatCell('south', 'listening').innerText()).toBe('50%\n1 of 2');
    await page.selectOption('#f-role', 'lead');
    await page.locator('#view-heatmap tbody tr').first().waitFor();
    await waitFor('the lead slice', async () => (await page.locator('#view-heatmap tbody th').allInnerTexts()).join('|') === 'north\n1 person');
    expect(await heatCell('north', 'listening').innerText()).toBe('100%\n1 of 1');
    expect(page.url()).toContain('role=lead');
    await page.locator('#view-heatmap .segmented button', { hasText: 'By role' }).click();
    await page.click('#filters button[type="reset"]');
    await heatCell('agent', 'listening').waitFor();
  });

  it('goes back to sign-in when the LRS stops accepting the credential (401)', async () => {
    // (Scripts as strings: this file is type-checked without the DOM library.)
    await page.evaluate(`sessionStorage.setItem(${JSON.stringify(STORAGE_KEY)}, ${JSON.stringify(JSON.stringify({ key, secret: 'revoked' }))})`);
    await page.click('#tab-matrix');
    await page.locator('#signin').waitFor();
    await expectText(page.locator('#signin-error'), 'The LRS no longer accepts this credential. Sign in again.');
    expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(STORAGE_KEY)})`)).toBeNull();
  });

  it('never put the credential in a URL, and ran without script errors or CSP violations', () => {
    expect(requestedUrls.length).toBeGreaterThan(10);
    for (const url of requestedUrls) {
      expect(url).not.toContain(secret);
      expect(url.startsWith(server.origin) || url.startsWith('blob:') || url.startsWith('data:')).toBe(true);
    }
    expect(problems).toEqual([]);
  });
});

/** Waits until the element's text contains `text`, then checks it (a clear failure message). */
async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  expect(await locator.first().innerText()).toContain(text);
}
