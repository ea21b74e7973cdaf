import fc from 'fast-check';
import { canonicalJson, statementsEquivalent } from './statement-equivalence';
import type { JsonObject } from './statement-types';

const base = {
  id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
  actor: { objectType: 'Agent', name: 'Ann', mbox: 'mailto:ann@example.com' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended' } },
  object: {
    objectType: 'Activity',
    id: 'http://example.com/meetings/34534',
    definition: { name: { 'en-US': 'example meeting' } },
  },
  result: { success: true, duration: 'PT1H0M0.12S', extensions: { 'http://example.com/ext': { a: [1, 2] } } },
  context: {
    registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
    contextActivities: { parent: [{ id: 'http://example.com/series/267', objectType: 'Activity' }] },
    language: 'en-US',
  },
  timestamp: '2013-05-18T05:32:34.804Z',
};

/** A copy of `base` with a change applied to a deep clone. */
function variant(change: (s: JsonObject & typeof base) => void): JsonObject {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

describe('statementsEquivalent: differences the LRS may have introduced are ignored', () => {
  it.each<[string, (s: typeof base & JsonObject) => void]>([
    ['authority, stored, version and id', (s) => Object.assign(s, { authority: { mbox: 'mailto:lrs@x.org' }, stored: '2020-01-01T00:00:00Z', version: '1.0.0', id: 'other' })],
    ['a timestamp in another zone for the same instant', (s) => (s.timestamp = '2013-05-18T07:32:34.804+02:00')],
    ['a timestamp with extra precision truncated by the LRS', (s) => (s.timestamp = '2013-05-18T05:32:34.8049Z')],
    ['a timestamp the LRS filled in', (s) => delete (s as JsonObject).timestamp],
    ['a single context activity instead of an array of one', (s) => ((s.context.contextActivities as JsonObject).parent = s.context.contextActivities.parent[0])],
    ['an explicit objectType Activity on the object', (s) => delete (s.object as JsonObject).objectType],
    ['a missing objectType Agent on the actor', (s) => delete (s.actor as JsonObject).objectType],
    ['the activity definition', (s) => ((s.object as JsonObject).definition = { name: { fr: 'réunion' } })],
    ['the verb display', (s) => delete (s.verb as JsonObject).display],
    ['the case of the mailto scheme and email domain', (s) => (s.actor.mbox = 'MAILTO:ann@EXAMPLE.COM')],
    ['the case of the registration UUID', (s) => (s.context.registration = s.context.registration.toUpperCase())],
    ['the case of the context language tag', (s) => (s.context.language = 'en-us')],
    ['duration digits beyond hundredths of a second', (s) => (s.result.duration = 'PT1H0M0.129S')],
    ['key order', (s) => Object.assign(s, { result: { extensions: s.result.extensions, duration: s.result.duration, success: true } })],
  ])('%s', (_, change) => {
    expect(statementsEquivalent(base, variant(change))).toBe(true);
  });

  it('Group members in another order', () => {
    const group = (members: object[]) => ({ ...base, actor: { objectType: 'Group', member: members } });
    const a = { mbox: 'mailto:a@x.org' };
    const b = { account: { homePage: 'http://x.org', name: 'b' }, objectType: 'Agent' };
    expect(statementsEquivalent(group([a, b]), group([b, a]))).toBe(true);
  });

  it('a StatementRef id in upper case', () => {
    const ref = (id: string) => ({ ...base, object: { objectType: 'StatementRef', id } });
    expect(statementsEquivalent(ref('e05aa883-acaf-40ad-bf54-02c8ce485fb0'), ref('E05AA883-ACAF-40AD-BF54-02C8CE485FB0'))).toBe(true);
  });
});

describe('statementsEquivalent: any other difference makes a conflict', () => {
  it.each<[string, (s: typeof base & JsonObject) => void]>([
    ['another verb', (s) => (s.verb.id = 'http://adlnet.gov/expapi/verbs/completed')],
    ['another activity id', (s) => (s.object.id = 'http://example.com/meetings/1')],
    ['a timestamp at another instant', (s) => (s.timestamp = '2013-05-18T05:32:34.805Z')],
    ['another actor name', (s) => (s.actor.name = 'Anne')],
    ['the case of the email local part', (s) => (s.actor.mbox = 'mailto:Ann@example.com')],
    ['the case of an activity IRI', (s) => (s.object.id = 'http://example.com/Meetings/34534')],
    ['a changed extension value', (s) => (s.result.extensions['http://example.com/ext'].a = [2, 1])],
    ['a duration differing in hundredths', (s) => (s.result.duration = 'PT1H0M0.13S')],
    ['a duration written differently', (s) => (s.result.duration = 'PT3600.12S')],
    ['an added result property', (s) => Object.assign(s.result, { completion: true })],
    ['a missing context', (s) => delete (s as JsonObject).context],
    ['another registration', (s) => (s.context.registration = 'ec531277-b57b-4c15-8d91-d292c5b2b8f8')],
    ['an extra context activity', (s) => s.context.contextActivities.parent.push({ id: 'http://example.com/x', objectType: 'Activity' })],
    ['an extra attachment', (s) => Object.assign(s, { attachments: [{ usageType: 'http://x.org/u', display: { en: 'a' }, contentType: 'text/plain', length: 1, sha2: 'ab' }] })],
  ])('%s', (_, change) => {
    expect(statementsEquivalent(base, variant(change))).toBe(false);
  });

  it('a sub-statement timestamp only on one side (the LRS never assigns those)', () => {
    const sub = (extra: object) => ({ ...base, object: { objectType: 'SubStatement', actor: base.actor, verb: base.verb, object: base.object, ...extra } });
    expect(statementsEquivalent(sub({}), sub({ timestamp: '2030-01-01T00:00:00Z' }))).toBe(false);
    expect(statementsEquivalent(sub({ timestamp: '2030-01-01T01:00:00+01:00' }), sub({ timestamp: '2030-01-01T00:00:00Z' }))).toBe(true);
  });

  it('context activities in another order (the specification does not call these lists unordered)', () => {
    const parents = (ids: string[]) => ({ ...base, context: { contextActivities: { parent: ids.map((id) => ({ id })) } } });
    expect(statementsEquivalent(parents(['http://x.org/1', 'http://x.org/2']), parents(['http://x.org/2', 'http://x.org/1']))).toBe(false);
  });

  it('Group members that differ, not just in order', () => {
    const group = (members: object[]) => ({ ...base, actor: { objectType: 'Group', member: members } });
    expect(statementsEquivalent(group([{ mbox: 'mailto:a@x.org' }]), group([{ mbox: 'mailto:a@x.org' }, { mbox: 'mailto:a@x.org' }]))).toBe(false);
  });

  it('does not throw on values that are not statements', () => {
    expect(statementsEquivalent(null, null)).toBe(true);
    expect(statementsEquivalent(base, 'statement')).toBe(false);
    expect(statementsEquivalent({ actor: 5, object: [] }, { actor: 5, object: [] })).toBe(true);
  });
});

// ---- properties ----

const iri = fc.constantFrom('http://example.com/a', 'http://example.com/b.c', 'https://x.org/%20y');
const languageMap = fc.dictionary(fc.constantFrom('en-US', 'en', 'fr'), fc.string({ maxLength: 5 }), { noNullPrototype: true });
const agent = fc.oneof(
  fc.record({ objectType: fc.constant('Agent'), mbox: fc.constantFrom('mailto:a@example.com', 'mailto:B@example.com'), name: fc.string({ maxLength: 4 }) }, { requiredKeys: ['mbox'] }),
  fc.record({ account: fc.record({ homePage: iri, name: fc.string({ maxLength: 4 }) }) }),
);
const group = fc.record({ objectType: fc.constant('Group'), member: fc.array(agent, { maxLength: 3 }) });
const activity = fc.record({ objectType: fc.constant('Activity'), id: iri, definition: fc.record({ name: languageMap }) }, { requiredKeys: ['id'] });
const verb = fc.record({ id: iri, display: languageMap }, { requiredKeys: ['id'] });
const timestamp = fc.date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const context = fc.record(
  {
    registration: fc.uuid(),
    instructor: agent,
    team: group,
    contextActivities: fc.record({ parent: fc.array(activity, { maxLength: 2 }), other: activity }, { requiredKeys: [] }),
    extensions: fc.dictionary(iri, fc.jsonValue({ maxDepth: 2 }), { noNullPrototype: true }),
  },
  { requiredKeys: [] },
);
const core = { actor: fc.oneof(agent, group), verb, context, timestamp };
const subStatement = fc.record({ objectType: fc.constant('SubStatement'), ...core, object: activity }, { requiredKeys: ['objectType', 'actor', 'verb', 'object'] });
const statementArb = fc.record(
  { id: fc.uuid(), ...core, object: fc.oneof(activity, agent.map((a) => ({ ...a, objectType: 'Agent' })), subStatement), result: fc.record({ success: fc.boolean(), duration: fc.constantFrom('PT1S', 'PT1.25S') }, { requiredKeys: [] }) },
  { requiredKeys: ['actor', 'verb', 'object'] },
);

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  return value;
}

function rotateMembers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rotateMembers);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === 'member' && Array.isArray(v) ? [...v.slice(1), ...v.slice(0, 1)].map(rotateMembers) : rotateMembers(v)]),
  );
}

describe('statementsEquivalent properties', () => {
  it('is reflexive', () => {
    fc.assert(fc.property(statementArb, (s) => expect(statementsEquivalent(s, structuredClone(s))).toBe(true)));
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(statementArb, statementArb, fc.boolean(), (a, b, near) => {
        const other = near ? { ...a, stored: '2024-01-01T00:00:00Z', verb: b.verb } : b;
        expect(statementsEquivalent(a, other)).toBe(statementsEquivalent(other, a));
      }),
    );
  });

  it('ignores key order and Group member order at every level', () => {
    fc.assert(fc.property(statementArb, (s) => expect(statementsEquivalent(s, rotateMembers(reverseKeys(s)))).toBe(true)));
  });

  it('notices a changed verb, whatever else the statement holds', () => {
    fc.assert(
      fc.property(statementArb, (s) => {
        expect(statementsEquivalent(s, { ...s, verb: { id: 'http://example.com/other-verb' } })).toBe(false);
      }),
    );
  });
});

describe('canonicalJson', () => {
  it('gives the same text for the same content in any key order', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => expect(canonicalJson(reverseKeys(v))).toBe(canonicalJson(v))));
  });
});
