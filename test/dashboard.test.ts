import request from 'supertest';
import { startTestLrs, type TestLrs } from './helpers/test-lrs';
import { api, enc, sampleFramework } from './helpers/api-fixtures';
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHART_JS_PATH, dashboardRouter } from '../src/dashboard/dashboard.router';
import { errorMiddleware } from '../src/http/error-middleware';
import { createLogger } from '../src/logger';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const directives = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

describe('GET /dashboard', () => {
  it('serves the page without a credential, under a strict same-origin Content-Security-Policy', async () => {
    const res = await request(lrs.app).get('/dashboard/').expect(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<form id="signin-form"');
    const csp = directives(res.headers['content-security-policy'] as string);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe|\*|https?:/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('redirects the bare path to the folder, so the page\'s relative URLs resolve', async () => {
    const res = await request(lrs.app).get('/dashboard').expect(301);
    expect(res.headers.location).toBe('/dashboard/');
  });

  it('has no inline script or style the policy would block', async () => {
    const html = (await request(lrs.app).get('/dashboard/').expect(200)).text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
  });

  it('serves Chart.js from node_modules at a fixed path, as JavaScript', async () => {
    const html = (await request(lrs.app).get('/dashboard/').expect(200)).text;
    expect(html).toContain(`src="${CHART_JS_PATH.slice(1)}"`);
    const res = await request(lrs.app).get(`/dashboard${CHART_JS_PATH}`).expect(200);
    expect(res.type).toMatch(/^(text|application)\/javascript$/);
    expect(res.text).toMatch(/^\/\*!\s*\n \* Chart\.js v4/);
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('serves every ES module the page imports, with a JavaScript type (browsers refuse modules otherwise)', async () => {
    const seen = new Set<string>();
    const queue = ['js/main.js'];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await request(lrs.app).get(`/dashboard/${file}`).expect(200);
      expect(res.type).toMatch(/^(text|application)\/javascript$/);
      for (const [, spec] of res.text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
        expect(spec).toMatch(/^\.\.?\//); // no bare specifiers: there is no import map
        queue.push(new URL(spec!, `http://x/${file}`).pathname.slice(1));
      }
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('answers 404 with the error body for a file that does not exist', async () => {
    const res = await request(lrs.app).get('/dashboard/js/nothing.js').expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    await request(lrs.app).get('/dashboard/vendor/chart.js/nothing.js').expect(404);
  });
});

describe('a build without the page\'s files', () => {
  it('still starts, and /dashboard says what is missing', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'dashboard-empty-'));
    try {
      const app = express().use('/dashboard', dashboardRouter({ publicDir: empty })).use(errorMiddleware(createLogger('silent')));
      const res = await request(app).get('/dashboard/').expect(404);
      expect(res.body.error.message).toBe("The dashboard is not installed with this build: the page's files (src/dashboard/public) were not deployed");
      expect(res.body.error.message).not.toContain(empty);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the API behind the dashboard', () => {
  it('refuses the calls the page makes without a credential, and answers them with one', async () => {
    const fw = sampleFramework('https://example.com/frameworks/dashboard-router');
    await api(lrs.app).put(`/api/frameworks/${enc(fw.id)}`).send(fw).expect(201);
    const q = `framework=${enc(fw.id)}`;
    const urls = ['/api/frameworks', `/api/frameworks/${enc(fw.id)}`, '/api/learners', `/api/analytics/gaps?${q}&by=role`, `/api/analytics/skills-matrix?${q}`,
      `/api/analytics/time-to-competency?${q}&by=competency,role&curves=true`, `/api/analytics/reassessments?${q}&days=30`, `/api/analytics/readiness?${q}`];
    for (const url of urls) {
      const res = await api(lrs.app, null).get(url).expect(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      await api(lrs.app).get(url).expect(200);
    }
  });
});
