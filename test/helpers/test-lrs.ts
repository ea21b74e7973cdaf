import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { buildContainer, type Container } from '../../src/container';
import { createApp } from '../../src/app';

export const KEY = 'test-key';
export const SECRET = 'test-secret-123';
export const basicAuth = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
export const BASIC = basicAuth(KEY, SECRET);

export interface TestLrs {
  app: Express;
  container: Container;
  /** Database name, unique to this test file. */
  dbName: string;
  close(): Promise<void>;
}

/**
 * Starts the real app in-process against the real MongoDB-compatible server and Redis named by
 * MONGODB_URI / REDIS_URL (scripts/test.sh starts them), with a database and queue prefix of its own.
 */
export async function startTestLrs(env: Record<string, string> = {}): Promise<TestLrs> {
  const suffix = randomBytes(5).toString('hex');
  const dbName = `test_${suffix}`;
  const config = loadConfig({
    MONGODB_URI: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    MONGODB_DB: dbName,
    LRS_QUEUE_PREFIX: `test-${suffix}`,
    LRS_API_KEY_DEFAULT: KEY,
    LRS_API_SECRET_DEFAULT: SECRET,
    LRS_LOG_LEVEL: 'silent',
    LRS_CONSISTENCY_MARGIN_MS: '0',
    ...env,
  });
  const container = await buildContainer(config, createLogger('silent'));
  const app = createApp(container);
  return {
    app,
    container,
    dbName,
    async close() {
      await container.db.dropDatabase();
      if (container.scoring.queue.opts.connection && (await isRedisUp(container))) {
        await container.scoring.queue.obliterate({ force: true });
      }
      await container.close();
    },
  };
}

/** A supertest request with the xAPI version header and Basic auth set. */
export function xapi(app: Express, version = '2.0.0', auth: string | null = BASIC) {
  const wrap = (t: request.Test) => {
    t.set('X-Experience-API-Version', version);
    if (auth) t.set('Authorization', auth);
    return t;
  };
  const agent = request(app);
  return {
    get: (url: string) => wrap(agent.get(url)),
    head: (url: string) => wrap(agent.head(url)),
    post: (url: string) => wrap(agent.post(url)),
    put: (url: string) => wrap(agent.put(url)),
    delete: (url: string) => wrap(agent.delete(url)),
  };
}

let counter = 0;
/** A realistic statement (cmi5-like) with a unique activity unless overridden. */
export function statement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    actor: { objectType: 'Agent', name: 'Ada Learner', mbox: 'mailto:ada@example.com' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed', 'fr-FR': 'a terminé' } },
    object: {
      objectType: 'Activity',
      id: `http://example.com/courses/safety/${counter}`,
      definition: { name: { 'en-US': 'Safety module', 'fr-FR': 'Module sécurité' }, type: 'http://adlnet.gov/expapi/activities/module' },
    },
    result: { score: { scaled: 0.8 }, success: true, completion: true, duration: 'PT12M30S' },
    context: {
      registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
      contextActivities: { grouping: [{ id: 'http://example.com/courses/safety' }] },
    },
    timestamp: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

async function isRedisUp(container: Container): Promise<boolean> {
  try {
    const client = await Promise.race([container.scoring.queue.client, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 500))]);
    return (await (client as unknown as { ping(): Promise<string> }).ping()) === 'PONG';
  } catch {
    return false;
  }
}
