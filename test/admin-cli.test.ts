import { runAdmin } from '../src/cli/admin';
import { basicAuth, startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

async function admin(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, { MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB: lrs.dbName }, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('admin command-line tool', () => {
  it('creates a store and a credential that can post and read its own statements there', async () => {
    const made = await admin('store', 'create', 'acme', '--name', 'ACME Corp');
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    const created = await admin('credential', 'create', '--store', 'acme', '--scopes', 'statements/write,statements/read', '--name', 'Storyline course');
    expect(created.code).toBe(0);
    const { key, secret } = JSON.parse(created.out) as { key: string; secret: string };
    const auth = basicAuth(key, secret);
    const [id] = (await xapi(lrs.app, '2.0.0', auth).post('/xapi/statements').send(statement()).expect(200)).body;
    const got = await xapi(lrs.app, '2.0.0', auth).get(`/xapi/statements?statementId=${id}`).expect(200);
    expect(got.body.authority.name).toBe('Storyline course');
    // The default credential lives in another store and cannot see it.
    await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(404);
    const stores = await admin('store', 'list');
    expect(stores.out).toMatch(/^acme\tACME Corp/m);
    const list = await admin('credential', 'list', '--store', 'acme');
    expect(list.out).toContain(key);
    expect(list.out).not.toContain(secret);
  });

  it('revokes a credential so it no longer authenticates', async () => {
    const { key, secret } = JSON.parse((await admin('credential', 'create', '--store', 'acme', '--name', 'temp')).out) as { key: string; secret: string };
    expect((await admin('credential', 'revoke', key)).code).toBe(0);
    await xapi(lrs.app, '2.0.0', basicAuth(key, secret)).get('/xapi/statements').expect(401);
    const again = await admin('credential', 'revoke', key);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/no active credential/);
  });

  it('rejects unknown scopes and bad store ids with a message', async () => {
    const bad = await admin('credential', 'create', '--store', 'acme', '--scopes', 'statements/everything', '--name', 'x');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/unknown scope/);
    const badStore = await admin('store', 'create', 'Not A Store');
    expect(badStore.code).not.toBe(0);
    expect(badStore.err).toMatch(/lower-case/);
  });
});
