import { startTestLrs, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc, sampleFramework, sampleRules } from './helpers/api-fixtures';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

let n = 0;
const freshId = () => `https://example.com/frameworks/fw-${++n}-${Date.now()}`;
const url = (id: string) => `/api/frameworks/${enc(id)}`;

describe('PUT /api/frameworks/:id', () => {
  it('saves a framework as version 1, then each save as the next version, keeping the old ones', async () => {
    const id = freshId();
    const first = await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    expect(first.body).toEqual({ id, version: 1, created: true });
    expect(first.headers.location).toBe(url(id));
    const changed = { ...sampleFramework(id), version: '2024.2', title: 'Customer service (revised)' };
    const second = await api(lrs.app).put(url(id)).send(changed).expect(200);
    expect(second.body).toEqual({ id, version: 2, created: false });

    const current = await api(lrs.app).get(url(id)).expect(200);
    expect(current.body.version).toBe(2);
    expect(current.body.framework.title).toBe('Customer service (revised)');
    const versions = await api(lrs.app).get(`${url(id)}/versions`).expect(200);
    expect(versions.body.versions.map((v: { version: number; label: string }) => [v.version, v.label])).toEqual([[1, '2024.1'], [2, '2024.2']]);
    const old = await api(lrs.app).get(`${url(id)}/versions/1`).expect(200);
    expect(old.body).toEqual({ version: 1, framework: sampleFramework(id) });
  });

  it('takes the id from the URL when the body has none, and refuses a body naming another id', async () => {
    const id = freshId();
    const { id: _omit, ...withoutId } = sampleFramework(id);
    await api(lrs.app).put(url(id)).send(withoutId).expect(201);
    const res = await api(lrs.app).put(url(id)).send(sampleFramework('https://example.com/other')).expect(400);
    expect(res.body.error.code).toBe('INVALID_DEFINITION');
    expect(res.body.error.details.problems).toEqual([{ path: 'id', message: expect.stringContaining('must equal the id in the URL') }]);
  });

  it('answers a bad framework with 400 naming every problem and its path, and saves nothing', async () => {
    const id = freshId();
    const bad = sampleFramework(id);
    bad.competencies[1]!.scale.levels = [{ id: 'high', threshold: 0.9 }, { id: 'low', threshold: 0.3 }];
    bad.competencies[2]!.prerequisites = ['no-such-competency'];
    bad.roles[0]!.requirements[0]!.targetLevel = 'master';
    const res = await api(lrs.app).put(url(id)).send(bad).expect(400);
    expect(res.body.error.code).toBe('INVALID_DEFINITION');
    const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining([
      expect.stringMatching(/^competencies\[1\]\.scale\.levels/),
      'competencies[2].prerequisites[0]',
      'roles[0].requirements[0].targetLevel',
    ]));
    for (const path of paths) expect(res.body.error.message).toContain(path);
    await api(lrs.app).get(url(id)).expect(404);
    await api(lrs.app).get(`${url(id)}/versions`).expect(404);
  });

  it('reports schema problems (missing and unknown properties) with their paths', async () => {
    const id = freshId();
    const res = await api(lrs.app).put(url(id)).send({ id, title: 'No version', roles: [], competencies: [{ id: 'c', title: 'C', scale: { levels: [{ id: 'l', threshold: 2 }] }, colour: 'red' }] }).expect(400);
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([
      { path: 'version', message: 'is required' },
      { path: 'competencies[0].colour', message: 'is not a known property' },
      expect.objectContaining({ path: 'competencies[0].scale.levels[0].threshold' }),
    ]));
  });

  it('refuses a body that is not JSON, and parameters it does not take', async () => {
    const id = freshId();
    const text = await api(lrs.app).put(url(id)).set('Content-Type', 'text/plain').send('hello').expect(400);
    expect(text.body.error.message).toContain('application/json');
    const param = await api(lrs.app).put(`${url(id)}?dryRun=true`).send(sampleFramework(id)).expect(400);
    expect(param.body.error).toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringContaining('dryRun') });
    await api(lrs.app).get(url(id)).expect(404);
  });

  it('warns, but saves, when the current mapping rules name a competency the new version drops', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    await api(lrs.app).put(`${url(id)}/rules`).send(sampleRules()).expect(201);
    const fw = sampleFramework(id);
    fw.competencies = fw.competencies.filter((c) => c.id !== 'listening' && c.id !== 'complaints');
    fw.competencies[0]!.rollup = undefined;
    fw.roles = [];
    const res = await api(lrs.app).put(url(id)).send(fw).expect(200);
    expect(res.body.version).toBe(2);
    expect(res.body.warnings).toEqual([expect.objectContaining({ path: 'rules[0].produce[0].competencyId' })]);
  });
});

describe('GET /api/frameworks', () => {
  it('lists the current version of every framework of the caller\'s store', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const res = await api(lrs.app).get('/api/frameworks').expect(200);
    expect(res.body.frameworks).toEqual(expect.arrayContaining([expect.objectContaining({ id, title: 'Customer service', version: 1, label: '2024.1' })]));
  });

  it('answers 400 for a version that is not a positive integer and 404 for one that does not exist', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    await api(lrs.app).get(`${url(id)}/versions/0`).expect(400);
    await api(lrs.app).get(`${url(id)}/versions/two`).expect(400);
    const missing = await api(lrs.app).get(`${url(id)}/versions/7`).expect(404);
    expect(missing.body.error.message).toContain('no version 7');
    await api(lrs.app).get('/api/frameworks?page=2').expect(400);
  });
});

describe('mapping rules', () => {
  it('saves rules that reference the framework\'s competencies, versioned, and returns them', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const empty = await api(lrs.app).get(`${url(id)}/rules`).expect(200);
    expect(empty.body).toEqual({ id, version: 0, rules: [] });
    expect((await api(lrs.app).put(`${url(id)}/rules`).send(sampleRules()).expect(201)).body).toEqual({ id, version: 1, created: true });
    expect((await api(lrs.app).put(`${url(id)}/rules`).send(sampleRules()).expect(200)).body.version).toBe(2);
    const res = await api(lrs.app).get(`${url(id)}/rules`).expect(200);
    expect(res.body).toEqual({ id, version: 2, rules: sampleRules() });
  });

  it('answers bad rules with 400 naming each problem and its path, and keeps the rules it had', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    await api(lrs.app).put(`${url(id)}/rules`).send(sampleRules()).expect(201);
    const bad = [...sampleRules(), { id: 'r2', match: {}, produce: [{ competencyId: 'juggling', sourceKind: 'observation', value: { from: 'score.scaled' } }] }];
    const res = await api(lrs.app).put(`${url(id)}/rules`).send(bad).expect(400);
    expect(res.body.error.code).toBe('INVALID_DEFINITION');
    expect(res.body.error.details.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['[1].match']));
    const again = await api(lrs.app).put(`${url(id)}/rules`).send([{ ...sampleRules()[0], produce: [{ competencyId: 'juggling', sourceKind: 'observation', value: { from: 'score.scaled' } }] }]).expect(400);
    expect(again.body.error.details.problems).toEqual([expect.objectContaining({ path: '[0].produce[0].competencyId' })]);
    expect((await api(lrs.app).get(`${url(id)}/rules`).expect(200)).body.version).toBe(1);
  });

  it('answers 404 for rules of a framework that does not exist', async () => {
    await api(lrs.app).put(`${url(freshId())}/rules`).send(sampleRules()).expect(404);
    await api(lrs.app).get(`${url(freshId())}/rules`).expect(404);
  });
});

describe('CASE import and export', () => {
  it('exports a framework as a CASE CFPackage that imports back to the same framework', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const exported = await api(lrs.app).get(`${url(id)}/export?format=case`).expect(200);
    expect(exported.headers['content-type']).toMatch(/^application\/json/);
    const pkg = exported.body;
    expect(pkg.CFDocument).toMatchObject({ title: 'Customer service' });
    expect(pkg.CFItems).toHaveLength(3);
    expect(pkg.CFAssociations.map((a: { associationType: string }) => a.associationType)).toEqual(expect.arrayContaining(['isChildOf', 'precedes']));

    const other = await credential(lrs, ['competency/admin'], 'case-import');
    const imported = await api(lrs.app, other).post('/api/frameworks/import?format=case').send(pkg).expect(201);
    expect(imported.body).toMatchObject({ id, version: 1, created: true });
    expect(imported.headers.location).toBe(url(id));
    const back = (await api(lrs.app, other).get(url(id)).expect(200)).body.framework;
    const original = sampleFramework(id);
    expect(back.title).toBe(original.title);
    expect(back.roles).toEqual(original.roles);
    expect(back.competencies.map((c: { id: string; parentId?: string; prerequisites?: string[] }) => [c.id, c.parentId, c.prerequisites])).toEqual(
      original.competencies.map((c) => [c.id, c.parentId, c.prerequisites]),
    );
    // Importing again is the next version, like any save.
    expect((await api(lrs.app, other).post('/api/frameworks/import?format=case').send(pkg).expect(200)).body.version).toBe(2);
  });

  it('exports an older version when asked', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    await api(lrs.app).put(url(id)).send({ ...sampleFramework(id), title: 'Renamed' }).expect(200);
    expect((await api(lrs.app).get(`${url(id)}/export?format=case&version=1`).expect(200)).body.CFDocument.title).toBe('Customer service');
    expect((await api(lrs.app).get(`${url(id)}/export?format=case`).expect(200)).body.CFDocument.title).toBe('Renamed');
    await api(lrs.app).get(`${url(id)}/export?format=case&version=9`).expect(404);
  });

  it('answers a bad package with 400 naming each problem and its path, saving nothing', async () => {
    const before = (await api(lrs.app).get('/api/frameworks').expect(200)).body.frameworks.length;
    const res = await api(lrs.app).post('/api/frameworks/import?format=case').send({ CFItems: [{ identifier: 'x' }] }).expect(400);
    expect(res.body.error.code).toBe('INVALID_DEFINITION');
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'CFDocument' })]));
    expect((await api(lrs.app).get('/api/frameworks').expect(200)).body.frameworks.length).toBe(before);
  });

  it('needs a known format', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const missing = await api(lrs.app).get(`${url(id)}/export`).expect(400);
    expect(missing.body.error.details.problems).toEqual([{ path: 'format', message: 'is required' }]);
    await api(lrs.app).get(`${url(id)}/export?format=xml`).expect(400);
    await api(lrs.app).post('/api/frameworks/import?format=xml').send(sampleFramework(id)).expect(400);
    await api(lrs.app).get(`${url(freshId())}/export?format=case`).expect(404);
    await api(lrs.app).get(`${url(freshId())}/export?format=ieee`).expect(404);
  });

  it('imports with competency/admin only, exports with competency/read', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const reader = await credential(lrs, ['competency/read']);
    const pkg = (await api(lrs.app, reader).get(`${url(id)}/export?format=case`).expect(200)).body;
    await api(lrs.app, await credential(lrs, ['competency/write'])).post('/api/frameworks/import?format=case').send(pkg).expect(403);
  });
});

describe('IEEE 1484.20.3 (SCD) import and export', () => {
  const SCD_CONTEXT = 'https://standards.ieee.org/1484.20.3/context.jsonld';
  const node = (doc: { '@graph': Array<Record<string, unknown>> }, id: string) => doc['@graph'].find((n) => n['@id'] === id);

  /** A document shaped like the IEEE working group's example, with properties this LRS does not know. */
  function scdDocument(base: string): { '@context': string; '@graph': Array<Record<string, unknown>> } {
    return {
      '@context': SCD_CONTEXT,
      '@graph': [
        {
          '@type': 'scd:CompetencyFramework',
          '@id': `${base}/framework`,
          'scd:name': 'Reading',
          'scd:competencyStatement': 'Reading comprehension',
          creator: 'Literacy team',
          'scd:hasMember': [`${base}/r1`, `${base}/r2`],
          'scd:hasTargetMember': [`${base}/r2`],
        },
        { '@type': 'CompetencyDefinition', '@id': `${base}/r1`, 'scd:referenceCode': 'RL.1', 'scd:competencyStatement': { en: 'Cite textual evidence', es: 'Citar evidencia textual' }, 'ceasn:educationLevel': ['05'] },
        { '@type': 'CompetencyDefinition', '@id': `${base}/r2`, 'scd:referenceCode': 'RL.2', 'scd:competencyStatement': 'Determine a theme of a text', 'scd:isSupportedBy': [`${base}/r1`], 'ex:note': { '@value': 'kept', '@language': 'en' } },
      ],
    };
  }

  it('exports a framework as SCD JSON-LD that imports back (application/ld+json) to the same framework', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const res = await api(lrs.app).get(`${url(id)}/export?format=ieee`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    const doc = res.body;
    expect(doc['@context']).toEqual([SCD_CONTEXT, { lrs: 'https://competency-lrs.dev/ns/', 'lrs:engine': { '@type': '@json' } }]);
    expect(doc['@graph'][0]).toMatchObject({ '@id': id, '@type': 'scd:CompetencyFramework', 'scd:name': 'Customer service', 'scd:hasMember': ['service', 'listening', 'complaints'].map((c) => `${id}/competencies/${c}`) });
    expect(node(doc, `${id}/competencies/complaints`)).toMatchObject({
      'scd:competencyStatement': 'Handles complaints',
      'ceasn:isChildOf': `${id}/competencies/service`,
      'scd:isSupportedBy': [`${id}/competencies/listening`],
    });

    const other = await credential(lrs, ['competency/admin'], 'scd-import');
    const imported = await api(lrs.app, other).post('/api/frameworks/import?format=ieee').set('Content-Type', 'application/ld+json').send(JSON.stringify(doc)).expect(201);
    expect(imported.body).toMatchObject({ id, version: 1, created: true });
    expect(imported.headers.location).toBe(url(id));
    const back = (await api(lrs.app, other).get(url(id)).expect(200)).body.framework;
    expect(JSON.parse(JSON.stringify(back, (k, v: unknown) => (k === 'extras' ? undefined : v)))).toEqual(sampleFramework(id));
  });

  it('imports an SCD document (application/json too) and exports it back with what it did not map', async () => {
    const base = freshId();
    const doc = scdDocument(base);
    const saved = await api(lrs.app).post('/api/frameworks/import?format=ieee').set('Content-Type', 'application/json').send(doc).expect(201);
    const id = `${base}/framework`;
    expect(saved.body).toMatchObject({ id, version: 1, created: true });
    const f = (await api(lrs.app).get(url(id)).expect(200)).body.framework;
    expect([f.title, f.description, f.version]).toEqual(['Reading', 'Reading comprehension', '1']);
    expect(f.competencies.map((c: { id: string; title: string; prerequisites?: string[] }) => [c.id, c.title, c.prerequisites])).toEqual([
      [`${base}/r1`, 'Cite textual evidence', undefined],
      [`${base}/r2`, 'Determine a theme of a text', [`${base}/r1`]],
    ]);
    const out = (await api(lrs.app).get(`${url(id)}/export?format=ieee`).expect(200)).body;
    expect(out['@context']).toEqual([SCD_CONTEXT, { lrs: 'https://competency-lrs.dev/ns/', 'lrs:engine': { '@type': '@json' } }]);
    expect(out['@graph'].map(({ 'lrs:engine': _engine, ...rest }: Record<string, unknown>) => rest)).toEqual(doc['@graph']);
  });

  it('answers a bad document with 400 naming each problem and its path, saving nothing', async () => {
    const before = (await api(lrs.app).get('/api/frameworks').expect(200)).body.frameworks.length;
    const base = freshId();
    const doc = scdDocument(base);
    doc['@graph'][0]!['scd:hasMember'] = [`${base}/r1`, `${base}/r2`, `${base}/missing`];
    doc['@graph'][2]!['scd:competencyStatement'] = 42;
    const res = await api(lrs.app).post('/api/frameworks/import?format=ieee').set('Content-Type', 'application/ld+json').send(JSON.stringify(doc)).expect(400);
    expect(res.body.error.code).toBe('INVALID_DEFINITION');
    expect(res.body.error.details.problems).toEqual([
      { path: '@graph[0].scd:hasMember[2]', message: `names "${base}/missing", which no node in the document describes` },
      { path: '@graph[2].scd:competencyStatement', message: 'must be a string, value object, language map or array of those' },
    ]);
    for (const p of res.body.error.details.problems) expect(res.body.error.message).toContain(p.path);
    const none = await api(lrs.app).post('/api/frameworks/import?format=ieee').send({ '@graph': [] }).expect(400);
    expect(none.body.error.details.problems).toEqual([{ path: '@graph', message: 'has no CompetencyFramework node (@type scd:CompetencyFramework)' }]);
    expect((await api(lrs.app).get('/api/frameworks').expect(200)).body.frameworks.length).toBe(before);
    await api(lrs.app).get(url(`${base}/framework`)).expect(404);
  });
});

describe('scopes and stores', () => {
  it('lets competency/read read, and only competency/admin (or all) write frameworks and rules', async () => {
    const id = freshId();
    const reader = await credential(lrs, ['competency/read']);
    const writer = await credential(lrs, ['competency/write']);
    const admin = await credential(lrs, ['competency/admin']);
    const allRead = await credential(lrs, ['all/read']);
    const statementsOnly = await credential(lrs, ['statements/read', 'statements/write']);
    for (const auth of [reader, writer, allRead]) {
      const res = await api(lrs.app, auth).put(url(id)).send(sampleFramework(id)).expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    await api(lrs.app, admin).put(url(id)).send(sampleFramework(id)).expect(201);
    await api(lrs.app, writer).put(`${url(id)}/rules`).send(sampleRules()).expect(403);
    await api(lrs.app, admin).put(`${url(id)}/rules`).send(sampleRules()).expect(201);
    for (const auth of [reader, writer, admin, allRead]) await api(lrs.app, auth).get(url(id)).expect(200);
    await api(lrs.app, statementsOnly).get(url(id)).expect(403);
    const anonymous = await api(lrs.app, null).get(url(id)).expect(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
  });

  it('never shows one store\'s frameworks to another', async () => {
    const id = freshId();
    await api(lrs.app).put(url(id)).send(sampleFramework(id)).expect(201);
    const other = await credential(lrs, ['all'], 'other-store');
    await api(lrs.app, other).get(url(id)).expect(404);
    await api(lrs.app, other).get(`${url(id)}/rules`).expect(404);
    expect((await api(lrs.app, other).get('/api/frameworks').expect(200)).body.frameworks).toEqual([]);
    // The same id in the other store is a framework of its own.
    expect((await api(lrs.app, other).put(url(id)).send(sampleFramework(id)).expect(201)).body.version).toBe(1);
    expect((await api(lrs.app).get(url(id)).expect(200)).body.version).toBe(1);
  });

  it('answers 404 with the error body for paths /api does not have', async () => {
    const res = await api(lrs.app).get('/api/nothing-here').expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
