import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestLrs, xapi, type TestLrs } from '../helpers/test-lrs';
import { listen, type Listening } from '../helpers/listen';

/**
 * cmi5 interop in a real browser: an LMS on one origin launches an AU page that uses the
 * published @xapi/cmi5 library (its browser bundle, as content ships it) against the LRS on
 * another origin — so CORS preflights, Basic auth from the fetch URL's token, the State API
 * (LMS.LaunchData, resume data) and the statements all go through the real stack.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PUBLISHER_ID = 'https://example.com/courses/fire-safety';

let lrs: TestLrs;
let lrsServer: Listening;
let lms: Listening;
let browser: BrowserContext;
let userDataDir: string;
let authToken: string;

// The AU: reads its launch parameters from the URL (cmi5 §8.1), as content does.
const AU_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>AU</title>
<script src="/cmi5.js"></script></head><body><script>
(async () => {
  try {
    const cmi5 = new Cmi5();
    await cmi5.initialize();
    const p = cmi5.getLaunchParameters();
    const where = { agent: p.actor, activityId: p.activityId, registration: p.registration, stateId: 'suspend_data' };
    const mode = new URLSearchParams(location.search).get('mode');
    if (mode === 'first') {
      await cmi5.xapi.setState({ ...where, state: { slide: 14, answers: { q1: 'b', q2: ['a', 'c'] } } });
      await cmi5.pass(0.92);
      await cmi5.complete();
      await cmi5.terminate();
      window.__result = { ok: true, masteryScore: cmi5.getLaunchData().masteryScore };
    } else {
      const restored = await cmi5.xapi.getState(where);
      await cmi5.terminate();
      window.__result = { ok: true, restored: restored.data };
    }
  } catch (e) {
    window.__result = { ok: false, error: String(e && e.message || e) };
  }
})();
</script></body></html>`;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does`);
  lrs = await startTestLrs();
  lrsServer = await listen(lrs.app);
  const cred = await lrs.container.auth.createCredential({ store: 'default', scopes: ['statements/write', 'statements/read/mine', 'state', 'profile'], name: 'cmi5 AU session' });
  authToken = Buffer.from(`${cred.key}:${cred.secret}`).toString('base64');
  const lmsApp = express();
  lmsApp.get('/au.html', (_req, res) => { res.type('html').send(AU_PAGE); });
  lmsApp.get('/cmi5.js', (_req, res) => { res.sendFile(require.resolve('@xapi/cmi5/dist/Cmi5.umd.js')); });
  // cmi5 §8.2: the fetch URL hands the AU its authorization token (same origin as the AU here).
  lmsApp.post('/fetch', (_req, res) => { res.json({ 'auth-token': authToken }); });
  lms = await listen(lmsApp);
  userDataDir = mkdtempSync(path.join(tmpdir(), 'cmi5-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await lms?.close();
  await lrsServer?.close();
  await lrs?.close();
});

async function runAu(params: Record<string, string>): Promise<{ ok: boolean; error?: string; masteryScore?: number; restored?: unknown }> {
  const page = await browser.newPage();
  try {
    await page.goto(`${lms.origin}/au.html?${new URLSearchParams(params).toString()}`);
    await page.waitForFunction(() => (globalThis as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 20_000 });
    return await page.evaluate(() => (globalThis as unknown as { __result: { ok: boolean; error?: string } }).__result);
  } finally {
    await page.close();
  }
}

describe('a cmi5 AU in the browser, using @xapi/cmi5', () => {
  it('initializes, saves resume data, passes, completes and terminates; a relaunch restores the resume data', async () => {
    const actor = { objectType: 'Agent', account: { homePage: 'https://lms.example.com', name: randomUUID() } };
    const registration = randomUUID();
    const activityId = `${PUBLISHER_ID}/au/${randomUUID()}`;
    const sessionId = randomUUID();
    // The LMS's part (cmi5 §10): LMS.LaunchData in the State API before the launch.
    const launchData = {
      contextTemplate: {
        contextActivities: { grouping: [{ objectType: 'Activity', id: PUBLISHER_ID }] },
        extensions: { 'https://w3id.org/xapi/cmi5/context/extensions/sessionid': sessionId },
      },
      launchMode: 'Normal',
      moveOn: 'CompletedAndPassed',
      masteryScore: 0.8,
    };
    const agentParam = encodeURIComponent(JSON.stringify(actor));
    await xapi(lrs.app, '1.0.3').put(`/xapi/activities/state?activityId=${encodeURIComponent(activityId)}&agent=${agentParam}&stateId=LMS.LaunchData&registration=${registration}`)
      .set('Content-Type', 'application/json').send(launchData).expect(204);
    const launch = { endpoint: `${lrsServer.origin}/xapi/`, fetch: `${lms.origin}/fetch`, actor: JSON.stringify(actor), registration, activityId };

    const first = await runAu({ ...launch, mode: 'first' });
    expect(first).toEqual({ ok: true, masteryScore: 0.8 });

    const res = await xapi(lrs.app, '1.0.3').get(`/xapi/statements?registration=${registration}&ascending=true`).expect(200);
    const statements = res.body.statements as Array<{ verb: { id: string }; object: { id: string }; result?: { score?: { scaled: number }; success?: boolean }; context: { extensions: Record<string, unknown>; contextActivities: { category?: Array<{ id: string }> } } }>;
    expect(statements.map((s) => s.verb.id)).toEqual([
      'http://adlnet.gov/expapi/verbs/initialized',
      'http://adlnet.gov/expapi/verbs/passed',
      'http://adlnet.gov/expapi/verbs/completed',
      'http://adlnet.gov/expapi/verbs/terminated',
    ]);
    for (const s of statements) {
      expect(s.object.id).toBe(activityId);
      expect(s.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid']).toBe(sessionId);
      expect(s.context.contextActivities.category?.map((c) => c.id)).toContain('https://w3id.org/xapi/cmi5/context/categories/cmi5');
    }
    expect(statements[1]!.result).toMatchObject({ score: { scaled: 0.92 }, success: true });

    const again = await runAu({ ...launch, mode: 'relaunch' });
    expect(again).toEqual({ ok: true, restored: { slide: 14, answers: { q1: 'b', q2: ['a', 'c'] } } });
  }, 60_000);
});
