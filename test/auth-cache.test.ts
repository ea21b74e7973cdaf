import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { authService } from '../src/auth/auth.service';
import { credentialsRepository } from '../src/auth/credentials.repository';
import { AppError } from '../src/errors/app-error';

// The real credentials repository on a database of its own, with its lookups counted: each lookup
// is one verification (a lookup, then scrypt).
const client = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017');
const db: Db = client.db(`test_auth_cache_${randomBytes(4).toString('hex')}`);
afterAll(() => db.dropDatabase().finally(() => client.close()));

const TTL = 60_000;

async function setup() {
  const repo = credentialsRepository(db);
  await repo.ensureIndexes();
  let lookups = 0;
  const counted = { ...repo, findByKey: (key: string) => { lookups++; return repo.findByKey(key); } };
  let clock = 1_000_000;
  const auth = authService({ credentials: counted, cacheTtlMs: TTL, now: () => clock });
  const { key, secret } = await auth.createCredential({ store: 'default', scopes: ['all'], name: `c-${randomBytes(3).toString('hex')}` });
  const header = (s = secret) => `Basic ${Buffer.from(`${key}:${s}`).toString('base64')}`;
  return { repo, auth, key, header, lookups: () => lookups, advance: (ms: number) => { clock += ms; } };
}

const settle = () => new Promise<void>((r) => setTimeout(r, 300));

describe('Basic credentials in memory', () => {
  it('verifies once for a burst of concurrent requests, cold and again after the entry expired', async () => {
    const c = await setup();
    const burst = await Promise.all(Array.from({ length: 50 }, () => c.auth.authenticate(c.header())));
    expect(new Set(burst.map((p) => p.store))).toEqual(new Set(['default']));
    expect(c.lookups()).toBe(1);
    c.advance(TTL + 1);
    await Promise.all(Array.from({ length: 50 }, () => c.auth.authenticate(c.header())));
    expect(c.lookups()).toBe(2);
  });

  it('renews an entry in the background before it expires, so requests never wait for scrypt', async () => {
    const c = await setup();
    await c.auth.authenticate(c.header());
    c.advance(TTL / 2);
    await c.auth.authenticate(c.header());
    expect(c.lookups()).toBe(1);
    // In the last fifth of the TTL: answered from memory, one renewal for the whole burst.
    c.advance(TTL * 0.35);
    await Promise.all(Array.from({ length: 20 }, () => c.auth.authenticate(c.header())));
    await settle();
    expect(c.lookups()).toBe(2);
    // Renewed: past the first entry's expiry it is still served without a lookup.
    c.advance(TTL * 0.2);
    await c.auth.authenticate(c.header());
    expect(c.lookups()).toBe(2);
  });

  it('stops accepting a revoked credential within the TTL: the renewal finds it revoked', async () => {
    const c = await setup();
    await c.auth.authenticate(c.header());
    expect(await c.repo.revoke(c.key, new Date())).toBe(true);
    // Still in memory: accepted until the renewal runs.
    c.advance(TTL * 0.85);
    await c.auth.authenticate(c.header());
    await settle();
    await expect(c.auth.authenticate(c.header())).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a wrong secret for every request of a burst, with one verification, and remembers nothing', async () => {
    const c = await setup();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => c.auth.authenticate(c.header('wrong'))));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof AppError)).toBe(true);
    expect(c.lookups()).toBe(1);
    await expect(c.auth.authenticate(c.header('wrong'))).rejects.toBeInstanceOf(AppError);
    expect(c.lookups()).toBe(2);
  });
});
