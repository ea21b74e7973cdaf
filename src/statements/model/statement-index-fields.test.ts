import fc from 'fast-check';
import { agentIfiKey, indexFieldsOf } from './statement-index-fields';

const ann = { mbox: 'mailto:ann@example.com' };
const bob = { objectType: 'Agent', account: { homePage: 'http://lms.example.com', name: 'bob' } };
const cat = { openid: 'http://cat.openid.example.org/' };
const dan = { mbox_sha1sum: 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9' };
const eve = { mbox: 'mailto:eve@example.com' };
const lrs = { objectType: 'Agent', account: { homePage: 'http://lrs.example.com', name: 'client' } };
const team = { objectType: 'Group', mbox: 'mailto:team@example.com', member: [cat] };
const verb = { id: 'http://adlnet.gov/expapi/verbs/attended' };
const meeting = { id: 'http://example.com/meeting' };

const key = (agent: object) => agentIfiKey(agent) ?? 'missing';

describe('agentIfiKey', () => {
  it.each([
    [ann, 'mbox:mailto:ann@example.com'],
    [{ mbox: 'MAILTO:Ann@Example.COM' }, 'mbox:mailto:Ann@example.com'],
    [dan, 'mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9'],
    [cat, 'openid:http://cat.openid.example.org/'],
    [bob, 'account:http://lms.example.com|bob'],
    [{ objectType: 'Group', account: { homePage: 'http://a|b', name: 'c' } }, 'account:http://a%7Cb|c'],
    [{ objectType: 'Group', member: [ann] }, undefined],
    ['not an agent', undefined],
  ])('keys %j as %j', (agent, expected) => {
    expect(agentIfiKey(agent)).toBe(expected);
  });

  it('gives an Agent and an Identified Group with the same IFI the same key', () => {
    expect(agentIfiKey({ objectType: 'Group', ...ann })).toBe(agentIfiKey({ objectType: 'Agent', ...ann }));
  });

  it('never gives two different accounts the same key', () => {
    const account = fc.record({ homePage: fc.string(), name: fc.string() });
    fc.assert(
      fc.property(account, account, (a, b) => {
        fc.pre(a.homePage !== b.homePage || a.name !== b.name);
        expect(agentIfiKey({ account: a })).not.toBe(agentIfiKey({ account: b }));
      }),
    );
  });
});

describe('indexFieldsOf', () => {
  it('indexes a plain activity statement', () => {
    const fields = indexFieldsOf(
      { actor: ann, verb, object: meeting, context: { registration: 'EC531277-B57B-4C15-8D91-D292C5B2B8F7' } },
      { line: '1.0' },
    );
    expect(fields).toEqual({
      actorIfi: key(ann),
      verbId: verb.id,
      objectActivityId: meeting.id,
      registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
      agents: [key(ann)],
      relatedAgents: [key(ann)],
      activities: [meeting.id],
      relatedActivities: [meeting.id],
      registrations: ['ec531277-b57b-4c15-8d91-d292c5b2b8f7'],
    });
  });

  it('matches `agent` on the actor, an Agent object, and members of either when they are Groups', () => {
    const fields = indexFieldsOf(
      { actor: { objectType: 'Group', member: [ann, bob] }, verb, object: { objectType: 'Group', ...eve, member: [dan] } },
      { line: '1.0' },
    );
    expect(fields.actorIfi).toBeUndefined();
    expect(fields.agents).toEqual([key(ann), key(bob), key(eve), key(dan)]);
    expect(fields.activities).toEqual([]);
    expect(fields.objectActivityId).toBeUndefined();
  });

  it('leaves authority, instructor and team to `related_agents`', () => {
    const fields = indexFieldsOf(
      { actor: ann, verb, object: meeting, authority: lrs, context: { instructor: bob, team } },
      { line: '1.0' },
    );
    expect(fields.agents).toEqual([key(ann)]);
    expect(fields.relatedAgents).toEqual([key(ann), key(lrs), key(bob), key(team), key(cat)]);
  });

  const subStatement = {
    objectType: 'SubStatement',
    actor: bob,
    verb,
    object: { id: 'http://example.com/sub-activity' },
    context: {
      instructor: cat,
      registration: '11111111-1111-4111-8111-111111111111',
      contextActivities: { grouping: { id: 'http://example.com/sub-grouping' } },
    },
  };

  it('looks into a SubStatement only for the related filters', () => {
    const fields = indexFieldsOf(
      { actor: ann, verb, object: subStatement, context: { contextActivities: { category: [{ id: 'http://example.com/cat' }] } } },
      { line: '1.0' },
    );
    expect(fields.agents).toEqual([key(ann)]);
    expect(fields.relatedAgents).toEqual([key(ann), key(bob), key(cat)]);
    expect(fields.activities).toEqual([]);
    expect(fields.relatedActivities).toEqual(['http://example.com/cat', 'http://example.com/sub-activity', 'http://example.com/sub-grouping']);
    expect(fields.registrations).toEqual([]);
  });

  it('collects every kind of context activity, single or in arrays, without duplicates', () => {
    const fields = indexFieldsOf(
      {
        actor: ann,
        verb,
        object: meeting,
        context: {
          contextActivities: { parent: meeting, grouping: [{ id: 'http://g/1' }, { id: 'http://g/2' }], category: [{ id: 'http://c' }], other: [meeting] },
        },
      },
      { line: '1.0' },
    );
    expect(fields.relatedActivities).toEqual([meeting.id, 'http://g/1', 'http://g/2', 'http://c']);
  });

  it('counts 2.0 contextAgents and contextGroups with their members, only for 2.0 statements', () => {
    const statement = {
      actor: ann,
      verb,
      object: meeting,
      context: {
        contextAgents: [{ objectType: 'contextAgent', agent: eve, relevantTypes: ['http://x/t'] }],
        contextGroups: [{ objectType: 'contextGroup', group: { objectType: 'Group', member: [dan] } }],
      },
    };
    expect(indexFieldsOf(statement, { line: '2.0' }).relatedAgents).toEqual([key(ann), key(eve), key(dan)]);
    expect(indexFieldsOf(statement, { line: '1.0' }).relatedAgents).toEqual([key(ann)]);
  });

  it('records the target of a StatementRef, lower-cased, for voiding', () => {
    const fields = indexFieldsOf(
      { actor: ann, verb: { id: 'http://adlnet.gov/expapi/verbs/voided' }, object: { objectType: 'StatementRef', id: 'E05AA883-ACAF-40AD-BF54-02C8CE485FB0' } },
      { line: '1.0' },
    );
    expect(fields.statementRefId).toBe('e05aa883-acaf-40ad-bf54-02c8ce485fb0');
    expect(fields.activities).toEqual([]);
  });

  it('does not index context.statement, which does not affect filtering', () => {
    const fields = indexFieldsOf(
      { actor: ann, verb, object: meeting, context: { statement: { objectType: 'StatementRef', id: 'e05aa883-acaf-40ad-bf54-02c8ce485fb0' } } },
      { line: '1.0' },
    );
    expect(fields.statementRefId).toBeUndefined();
  });

  it('survives arbitrary JSON without throwing, and related lists always contain the narrow ones', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('actor', 'verb', 'object', 'context', 'authority'), fc.jsonValue({ maxDepth: 4 })), (junk) => {
        const fields = indexFieldsOf(junk, { line: '2.0' });
        for (const agent of fields.agents) expect(fields.relatedAgents).toContain(agent);
        for (const activity of fields.activities) expect(fields.relatedActivities).toContain(activity);
      }),
    );
  });
});
