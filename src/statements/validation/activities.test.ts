import type { XapiLine } from '../../xapi/xapi-version';
import { activityWithDefinition, minimalStatement, statementWith } from './statement-fixtures';
import { validateStatement } from './validate-statement';

const LINES: XapiLine[] = ['1.0', '2.0'];
const REF_ID = 'e05aa883-acaf-40ad-bf54-02c8ce485fb0';
const choices = (...ids: string[]) => ids.map((id) => ({ id, description: { 'en-US': `Choice ${id}` } }));

describe.each(LINES)('statement objects on the %s line', (line) => {
  const problems = (statement: unknown) => validateStatement(statement, { line });
  const definitionProblems = (definition: Record<string, unknown>) => problems(activityWithDefinition(definition));

  describe('Activities', () => {
    it('accepts a full definition', () => {
      expect(
        definitionProblems({
          name: { 'en-US': 'Question 1', 'zh-Hant-TW': '問題一' },
          description: { und: 'Q1' },
          type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
          moreInfo: 'https://example.com/q1',
          extensions: { 'https://example.com/ext/difficulty': { level: 3, tags: null } },
          interactionType: 'choice',
          correctResponsesPattern: ['a[,]b'],
          choices: choices('a', 'b', 'c'),
        }),
      ).toEqual([]);
    });

    it('rejects an Activity without id, or with an id that is not an absolute IRI', () => {
      expect(problems(statementWith({ object: { objectType: 'Activity' } }))).toEqual([{ path: 'object.id', message: 'is required' }]);
      expect(problems(statementWith({ object: { id: 'not an iri' } }))).toEqual([
        { path: 'object.id', message: 'must be an absolute IRI' },
      ]);
    });

    it.each([
      ['type', 'cmi.interaction', 'must be an absolute IRI'],
      ['moreInfo', '/more/info', 'must be an absolute IRL (URL)'],
      ['interactionType', 'true-faLse', 'must be one of "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert", "numeric", "other"'],
      ['correctResponsesPattern', 'true', 'must be an array'],
      ['name', 'Question 1', 'must be an object'],
    ])('rejects a definition whose %s is %p', (key, value, message) => {
      const definition = { interactionType: 'other', [key]: value };
      expect(definitionProblems(definition)).toEqual([{ path: `object.definition.${key}`, message }]);
    });

    it('rejects extension keys that are not IRIs but allows any extension value', () => {
      expect(definitionProblems({ extensions: { difficulty: 3, 'https://example.com/x': null } })).toEqual([
        { path: 'object.definition.extensions', message: 'key "difficulty" is not an absolute IRI' },
      ]);
    });

    it('rejects unknown definition properties', () => {
      expect(definitionProblems({ title: 'x' })).toEqual([{ path: 'object.definition.title', message: 'is not allowed' }]);
    });
  });

  describe('interaction components', () => {
    it.each([
      ['choice', 'choices'],
      ['sequencing', 'choices'],
      ['likert', 'scale'],
      ['matching', 'source'],
      ['matching', 'target'],
      ['performance', 'steps'],
    ])('accepts %s with %s', (interactionType, list) => {
      expect(definitionProblems({ interactionType, [list]: choices('1', '2') })).toEqual([]);
    });

    it.each([
      ['true-false', 'choices', 'is only allowed when interactionType is "choice" or "sequencing"'],
      ['choice', 'scale', 'is only allowed when interactionType is "likert"'],
      ['likert', 'source', 'is only allowed when interactionType is "matching"'],
      ['numeric', 'steps', 'is only allowed when interactionType is "performance"'],
    ])('rejects %s with %s', (interactionType, list, message) => {
      expect(definitionProblems({ interactionType, [list]: choices('1') })).toEqual([
        { path: `object.definition.${list}`, message },
      ]);
    });

    it('rejects component lists and correctResponsesPattern without an interactionType', () => {
      expect(definitionProblems({ correctResponsesPattern: ['a'], choices: choices('a') })).toEqual([
        { path: 'object.definition.choices', message: 'is only allowed when interactionType is "choice" or "sequencing"' },
        { path: 'object.definition.correctResponsesPattern', message: 'is only allowed when interactionType is given' },
      ]);
    });

    it('rejects two components with the same id in one list', () => {
      expect(definitionProblems({ interactionType: 'choice', choices: choices('a', 'b', 'a') })).toEqual([
        { path: 'object.definition.choices[2].id', message: 'must be unique in this list; [0] has the same id' },
      ]);
    });

    it('allows the same id in the source and target lists', () => {
      expect(definitionProblems({ interactionType: 'matching', source: choices('1'), target: choices('1') })).toEqual([]);
    });

    it('requires a string id on each component and rejects other properties', () => {
      expect(definitionProblems({ interactionType: 'likert', scale: [{ description: { 'en-US': 'x' } }, { id: 2, label: 'two' }] })).toEqual([
        { path: 'object.definition.scale[0].id', message: 'is required' },
        { path: 'object.definition.scale[1].id', message: 'must be a string' },
        { path: 'object.definition.scale[1].label', message: 'is not allowed' },
      ]);
    });

    it('checks definitions of context Activities too', () => {
      const context = { contextActivities: { parent: { id: 'http://example.com/p', definition: { scale: choices('1') } } } };
      expect(problems(statementWith({ context }))).toEqual([
        { path: 'context.contextActivities.parent.definition.scale', message: 'is only allowed when interactionType is "likert"' },
      ]);
    });
  });

  describe('StatementRefs', () => {
    it('accepts objectType StatementRef with a UUID id', () => {
      expect(problems(statementWith({ object: { objectType: 'StatementRef', id: REF_ID } }))).toEqual([]);
    });

    it('rejects a StatementRef whose id is not a UUID, or with other properties', () => {
      expect(problems(statementWith({ object: { objectType: 'StatementRef', id: 'http://example.com/s/1', definition: {} } }))).toEqual([
        { path: 'object.definition', message: 'is not allowed' },
        { path: 'object.id', message: 'must be a UUID' },
      ]);
    });
  });

  describe('SubStatements', () => {
    const sub = (patch: Record<string, unknown> = {}) => ({ objectType: 'SubStatement', ...minimalStatement(), ...patch });

    it('accepts a SubStatement with result, context and timestamp', () => {
      const object = sub({ result: { success: true }, context: { platform: 'web' }, timestamp: '2030-01-01T00:00:00Z' });
      expect(problems(statementWith({ object }))).toEqual([]);
    });

    it.each([
      ['id', REF_ID],
      ['stored', '2024-05-01T12:00:00Z'],
      ['version', '1.0.0'],
      ['authority', { mbox: 'mailto:lrs@example.com' }],
    ])('rejects a SubStatement with %s', (key, value) => {
      expect(problems(statementWith({ object: sub({ [key]: value }) }))).toEqual([
        { path: `object.${key}`, message: 'is not allowed in a SubStatement' },
      ]);
    });

    it('rejects a SubStatement nested in a SubStatement', () => {
      expect(problems(statementWith({ object: sub({ object: sub() }) }))).toEqual([
        { path: 'object.object.objectType', message: 'a SubStatement cannot contain another SubStatement' },
      ]);
    });

    it('validates the SubStatement like a statement', () => {
      const object = sub({ actor: { name: 'No id' }, verb: { id: 'planned' }, object: { objectType: 'Agent' } });
      expect(problems(statementWith({ object }))).toEqual([
        { path: 'object.actor', message: 'an Agent must have exactly one of mbox, mbox_sha1sum, openid, account' },
        { path: 'object.object', message: 'an Agent must have exactly one of mbox, mbox_sha1sum, openid, account' },
        { path: 'object.verb.id', message: 'must be an absolute IRI' },
      ]);
    });

    it('requires actor, verb and object in a SubStatement', () => {
      expect(problems(statementWith({ object: { objectType: 'SubStatement' } }))).toEqual([
        { path: 'object.actor', message: 'is required' },
        { path: 'object.object', message: 'is required' },
        { path: 'object.verb', message: 'is required' },
      ]);
    });
  });

  it('rejects an unknown objectType for the object', () => {
    expect(problems(statementWith({ object: { objectType: 'Statement', id: REF_ID } }))).toEqual([
      { path: 'object.objectType', message: 'must be one of "Activity", "Agent", "Group", "StatementRef", "SubStatement"' },
    ]);
  });
});
