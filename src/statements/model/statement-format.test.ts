import fc from 'fast-check';
import { formatStatement, parseAcceptLanguage } from './statement-format';
import type { Statement } from './statement-types';

const ann = { objectType: 'Agent', name: 'Ann', mbox: 'mailto:ann@example.com' };
const bob = { name: 'Bob', account: { homePage: 'http://lms.example.com', name: 'bob' } };
const verb = { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered', fr: 'a répondu' } };
const question = {
  objectType: 'Activity',
  id: 'http://example.com/q1',
  definition: {
    name: { 'en-US': 'Question 1', fr: 'Question 1 (fr)' },
    description: { 'en-GB': 'Pick one', de: 'Wähle' },
    type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
    interactionType: 'choice',
    correctResponsesPattern: ['golf'],
    choices: [{ id: 'golf', description: { 'en-US': 'Golf', fr: 'Le golf' } }],
  },
};
const statement: Statement = {
  id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
  actor: { objectType: 'Group', name: 'Pair', member: [ann, bob] },
  verb,
  object: question,
  result: { response: 'golf', extensions: { 'http://example.com/ext': { 'en-US': 'x', fr: 'y' } } },
  context: {
    instructor: { ...bob, objectType: 'Agent' },
    team: { objectType: 'Group', name: 'Team', mbox: 'mailto:team@example.com', member: [ann] },
    contextActivities: { parent: { id: 'http://example.com/quiz', definition: { name: { 'en-US': 'Quiz', fr: 'Quiz (fr)' } } } },
  },
  authority: { objectType: 'Agent', name: 'LRS client', account: { homePage: 'http://lrs.example.com', name: 'client' } },
  attachments: [{ usageType: 'http://x.org/u', display: { 'en-US': 'Cert', fr: 'Certificat' }, contentType: 'text/plain', length: 1, sha2: 'ab' }],
  stored: '2024-05-01T10:00:00.000Z',
};

const exact = { format: 'exact', acceptLanguages: [] } as const;
const ids = { format: 'ids', acceptLanguages: [] } as const;

describe('formatStatement exact', () => {
  it('returns a statement without single context activities as it is', () => {
    const clean = { ...statement, context: { contextActivities: { parent: [{ id: 'http://example.com/quiz' }] } } };
    expect(formatStatement(clean, exact)).toBe(clean);
  });

  it('returns single context activities as arrays of one, in statements and sub-statements', () => {
    const sub = { objectType: 'SubStatement', actor: ann, verb, object: question, context: { contextActivities: { other: { id: 'http://o' } } } };
    const out = formatStatement({ ...statement, object: sub }, exact);
    expect(out.context).toMatchObject({ contextActivities: { parent: [{ id: 'http://example.com/quiz' }] } });
    expect(out.object).toMatchObject({ context: { contextActivities: { other: [{ id: 'http://o' }] } } });
    expect(statement.context).toMatchObject({ contextActivities: { parent: { id: 'http://example.com/quiz' } } });
  });
});

describe('formatStatement ids', () => {
  it('keeps only identifying information in agents, groups, activities and verbs', () => {
    expect(formatStatement(statement, ids)).toEqual({
      id: statement.id,
      actor: {
        objectType: 'Group',
        member: [
          { objectType: 'Agent', mbox: 'mailto:ann@example.com' },
          { objectType: 'Agent', account: { homePage: 'http://lms.example.com', name: 'bob' } },
        ],
      },
      verb: { id: verb.id },
      object: { objectType: 'Activity', id: question.id },
      result: statement.result,
      context: {
        instructor: { objectType: 'Agent', account: { homePage: 'http://lms.example.com', name: 'bob' } },
        team: { objectType: 'Group', mbox: 'mailto:team@example.com' },
        contextActivities: { parent: [{ objectType: 'Activity', id: 'http://example.com/quiz' }] },
      },
      authority: { objectType: 'Agent', account: { homePage: 'http://lrs.example.com', name: 'client' } },
      attachments: statement.attachments,
      stored: statement.stored,
    });
  });

  it('reduces the parts of a SubStatement and xAPI 2.0 context agents and groups as well', () => {
    const sub = {
      objectType: 'SubStatement',
      actor: ann,
      verb,
      object: question,
      context: { contextAgents: [{ objectType: 'contextAgent', agent: ann, relevantTypes: ['http://t'] }] },
    };
    const out = formatStatement(
      { ...statement, object: sub, context: { contextGroups: [{ objectType: 'contextGroup', group: { objectType: 'Group', name: 'G', member: [bob] } }] } },
      ids,
    );
    expect(out.object).toEqual({
      objectType: 'SubStatement',
      actor: { objectType: 'Agent', mbox: ann.mbox },
      verb: { id: verb.id },
      object: { objectType: 'Activity', id: question.id },
      context: { contextAgents: [{ objectType: 'contextAgent', agent: { objectType: 'Agent', mbox: ann.mbox }, relevantTypes: ['http://t'] }] },
    });
    expect(out.context).toEqual({
      contextGroups: [{ objectType: 'contextGroup', group: { objectType: 'Group', member: [{ objectType: 'Agent', account: bob.account }] } }],
    });
  });

  it('is idempotent', () => {
    const agent = fc.constantFrom<Statement>(ann, bob, { objectType: 'Group', member: [ann, bob] });
    const arb = fc.record({
      actor: agent,
      verb: fc.constant(verb),
      object: fc.oneof(fc.constant(question), agent.map((a) => ({ objectType: 'Agent', ...a }))),
      context: fc.record({ instructor: agent, team: agent }, { requiredKeys: [] }),
      authority: agent,
    });
    fc.assert(
      fc.property(arb, (s) => {
        const once = formatStatement(s, ids);
        expect(formatStatement(once, ids)).toEqual(once);
      }),
    );
  });
});

describe('formatStatement canonical', () => {
  const canonical = (header: string) => ({ format: 'canonical', acceptLanguages: parseAcceptLanguage(header) }) as const;

  it('keeps one language per map, chosen by Accept-Language, and leaves agents as sent', () => {
    const out = formatStatement(statement, canonical('fr;q=0.9, de;q=0.5'));
    expect(out.verb).toEqual({ id: verb.id, display: { fr: 'a répondu' } });
    expect(out.object).toMatchObject({
      definition: { name: { fr: 'Question 1 (fr)' }, description: { de: 'Wähle' }, choices: [{ id: 'golf', description: { fr: 'Le golf' } }] },
    });
    expect(out.context).toMatchObject({ contextActivities: { parent: [{ definition: { name: { fr: 'Quiz (fr)' } } }] } });
    expect(out.attachments).toEqual([expect.objectContaining({ display: { fr: 'Certificat' } })]);
    expect(out.actor).toEqual(statement.actor);
    expect(out.result).toEqual(statement.result);
  });

  it('falls back to English when the request names no language the map has', () => {
    const out = formatStatement(statement, canonical('ja'));
    expect(out.verb).toEqual({ id: verb.id, display: { 'en-US': 'answered' } });
    expect(out.object).toMatchObject({ definition: { description: { 'en-GB': 'Pick one' } } });
  });

  it("uses the LRS's canonical activity definition when it has one", () => {
    const out = formatStatement(statement, {
      ...canonical('en'),
      canonicalDefinitionOf: (id) => (id === question.id ? { name: { en: 'Canonical Q1', fr: 'Q1' } } : undefined),
    });
    expect(out.object).toEqual({ objectType: 'Activity', id: question.id, definition: { name: { en: 'Canonical Q1' } } });
  });

  it('does not change the statement it was given', () => {
    const before = structuredClone(statement);
    formatStatement(statement, canonical('fr'));
    formatStatement(statement, ids);
    expect(statement).toEqual(before);
  });
});
