import request from 'supertest';
import type { Express } from 'express';
import type { Scope } from '../../src/auth/scopes';
import type { Framework, MappingRule } from '../../src/engine';
import { BASIC, basicAuth, type TestLrs } from './test-lrs';

/** A supertest client of /api with Basic auth (the seeded `all` credential unless given). */
export function api(app: Express, auth: string | null = BASIC) {
  const agent = request(app);
  const wrap = (t: request.Test) => (auth ? t.set('Authorization', auth) : t);
  return {
    get: (url: string) => wrap(agent.get(url)),
    put: (url: string) => wrap(agent.put(url)),
    post: (url: string) => wrap(agent.post(url)),
    delete: (url: string) => wrap(agent.delete(url)),
  };
}

/** A credential in `store` with exactly `scopes`, as a Basic Authorization header. */
export async function credential(lrs: TestLrs, scopes: Scope[], store = 'default'): Promise<string> {
  const c = await lrs.container.auth.createCredential({ store, scopes, name: `test ${scopes.join(' ')}` });
  return basicAuth(c.key, c.secret);
}

/**
 * A small customer-service framework: two leaf competencies under a roll-up parent, a
 * prerequisite, indicators, three levels, and a role requiring the parent and one leaf.
 */
export function sampleFramework(id = 'https://example.com/frameworks/customer-service'): Framework {
  const levels = [
    { id: 'basic', title: 'Basic', threshold: 0.4 },
    { id: 'proficient', title: 'Proficient', threshold: 0.7 },
    { id: 'expert', title: 'Expert', threshold: 0.9 },
  ];
  return {
    id,
    version: '2024.1',
    title: 'Customer service',
    roles: [{ id: 'agent', title: 'Service agent', requirements: [{ competencyId: 'listening', targetLevel: 'proficient' }, { competencyId: 'service', targetLevel: 'basic' }] }],
    competencies: [
      { id: 'service', title: 'Customer service', scale: { levels }, rollup: { mode: 'all-children' } },
      {
        id: 'listening',
        title: 'Active listening',
        description: 'Listens to customers and shows it.',
        parentId: 'service',
        indicators: [{ id: 'open-questions', title: 'Asks open questions' }, { id: 'summarises', title: 'Summarises what was said' }],
        scale: { levels },
        validationRule: { minEvidence: 2, minCertainty: 0.6 },
        halfLifeDays: 365,
        reassessmentIntervalDays: 365,
        reassessmentLeadDays: 30,
      },
      {
        id: 'complaints',
        title: 'Handles complaints',
        parentId: 'service',
        prerequisites: ['listening'],
        indicators: [{ id: 'resolves', title: 'Proposes a resolution' }],
        scale: { levels },
      },
    ],
  };
}

/** Rules for {@link sampleFramework}: quiz scores count as knowledge checks for listening. */
export function sampleRules(): MappingRule[] {
  return [{
    id: 'listening-quiz',
    match: { verbIds: ['http://adlnet.gov/expapi/verbs/scored'], activityIds: ['https://example.com/quizzes/listening'] },
    produce: [{ competencyId: 'listening', sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }],
  }];
}

export const enc = encodeURIComponent;
