import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

describe('when MongoDB goes away', () => {
  let lrs: TestLrs;
  beforeAll(async () => { lrs = await startTestLrs(); });
  afterAll(async () => { await lrs.container.scoring.close(); });

  it('answers 503 with an error id and acknowledges nothing', async () => {
    // Drop the database first (close() would need the connection), then cut the connection.
    await lrs.container.db.dropDatabase();
    await lrs.container.mongo.close();
    const res = await xapi(lrs.app).post('/xapi/statements').send(statement()).expect(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(res.body.error.message).toMatch(/nothing was stored.*error id [0-9a-f-]{36}/);
    expect(res.headers['x-experience-api-version']).toBe('2.0.0');
  });
});
