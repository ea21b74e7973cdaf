import type { XapiLine } from '../../xapi/xapi-version';
import { AGENT, statementWith, statementWithContextAgents } from './statement-fixtures';
import { validateStatement } from './validate-statement';

const LINES: XapiLine[] = ['1.0', '2.0'];
const REGISTRATION = 'ec231277-b27b-4c15-8291-d29225b2b8f7';
const TEAM = { objectType: 'Group', name: 'Team A', mbox: 'mailto:team-a@example.com' };

describe.each(LINES)('context on the %s line', (line) => {
  const contextProblems = (context: unknown, patch: Record<string, unknown> = {}) =>
    validateStatement(statementWith({ context, ...patch }), { line });

  it('accepts every 1.0.3 context property', () => {
    expect(
      contextProblems({
        registration: REGISTRATION,
        instructor: { ...AGENT, mbox: 'mailto:teacher@example.com' },
        team: TEAM,
        contextActivities: {
          parent: { id: 'http://example.com/test-1' },
          grouping: [{ objectType: 'Activity', id: 'http://example.com/algebra-1' }],
          category: [{ id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5' }],
          other: [],
        },
        revision: 'r2',
        platform: 'iPad',
        language: 'cmn',
        statement: { objectType: 'StatementRef', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' },
        extensions: { 'http://example.com/ext/null': null },
      }),
    ).toEqual([]);
  });

  it.each([
    ['registration', 'should fail', 'must be a UUID'],
    ['registration', { key: 'x' }, 'must be a string'],
    ['revision', 12345, 'must be a string'],
    ['platform', { key: 'x' }, 'must be a string'],
    ['language', 'something', 'must be an RFC 5646 language tag such as en-US'],
    ['contextActivities', 'should fail', 'must be an object'],
    ['instructor', 'should fail', 'must be an object'],
  ])('rejects a context whose %s is %p', (key, value, message) => {
    expect(contextProblems({ [key]: value })).toEqual([{ path: `context.${key}`, message }]);
  });

  it('accepts a Group as instructor and rejects an Agent as team', () => {
    expect(contextProblems({ instructor: TEAM })).toEqual([]);
    expect(contextProblems({ team: AGENT })).toEqual([{ path: 'context.team.objectType', message: 'must be "Group"' }]);
  });

  it('requires context.statement to be a StatementRef', () => {
    expect(contextProblems({ statement: { id: REGISTRATION } })).toEqual([
      { path: 'context.statement.objectType', message: 'is required' },
    ]);
  });

  it('rejects a context activity list that holds something other than Activities', () => {
    expect(contextProblems({ contextActivities: { parent: 'http://example.com/p', other: [{ id: 'other' }] } })).toEqual([
      { path: 'context.contextActivities.other[0].id', message: 'must be an absolute IRI' },
      { path: 'context.contextActivities.parent', message: 'must be an Activity or an array of Activities' },
    ]);
  });

  it('rejects unknown contextActivities keys', () => {
    expect(contextProblems({ contextActivities: { parents: [] } })).toEqual([
      { path: 'context.contextActivities.parents', message: 'is not allowed' },
    ]);
  });

  it.each([
    ['an Agent', { objectType: 'Agent', mbox: 'mailto:bo@example.com' }],
    ['a Group', { ...TEAM }],
    ['a StatementRef', { objectType: 'StatementRef', id: REGISTRATION }],
  ])('rejects revision and platform when the object is %s', (_kind, object) => {
    expect(contextProblems({ revision: '2', platform: 'web' }, { object })).toEqual([
      { path: 'context.platform', message: 'is only allowed when the object is an Activity' },
      { path: 'context.revision', message: 'is only allowed when the object is an Activity' },
    ]);
  });

  it('applies the revision rule inside a SubStatement as well', () => {
    const object = {
      objectType: 'SubStatement',
      actor: AGENT,
      verb: { id: 'http://example.com/verbs/planned' },
      object: { objectType: 'Agent', mbox: 'mailto:bo@example.com' },
      context: { revision: '2' },
    };
    expect(validateStatement(statementWith({ object }), { line })).toEqual([
      { path: 'object.context.revision', message: 'is only allowed when the object is an Activity' },
    ]);
  });
});

describe('contextAgents and contextGroups (xAPI 2.0)', () => {
  const problems = (statement: unknown) => validateStatement(statement, { line: '2.0' });
  const contextAgent = (patch: Record<string, unknown>) =>
    statementWith({ context: { contextAgents: [{ objectType: 'contextAgent', agent: AGENT, ...patch }] } });
  const contextGroup = (patch: Record<string, unknown>) =>
    statementWith({ context: { contextGroups: [{ objectType: 'contextGroup', group: TEAM, ...patch }] } });

  it('accepts both, with and without relevantTypes, in statements and SubStatements', () => {
    expect(problems(statementWithContextAgents())).toEqual([]);
    expect(problems(contextAgent({}))).toEqual([]);
    const inner = statementWithContextAgents();
    delete inner.version;
    expect(problems(statementWith({ object: { objectType: 'SubStatement', ...inner } }))).toEqual([]);
  });

  it.each([
    ['objectType', { objectType: 'Should fail' }, 'context.contextAgents[0].objectType', 'must be "contextAgent"'],
    ['agent', { agent: { key: 'Should fail' } }, 'context.contextAgents[0].agent', 'an Agent must have exactly one of mbox, mbox_sha1sum, openid, account'],
    ['agent', { agent: TEAM }, 'context.contextAgents[0].agent.objectType', 'must be "Agent"'],
    ['relevantTypes', { relevantTypes: [] }, 'context.contextAgents[0].relevantTypes', 'must list at least one IRI when present'],
    ['relevantTypes', { relevantTypes: ['abc'] }, 'context.contextAgents[0].relevantTypes[0]', 'must be an absolute IRI'],
  ])('rejects a contextAgent with an invalid %s', (_key, patch, path, message) => {
    const found = problems(contextAgent(patch));
    expect(found).toContainEqual({ path, message });
    expect(found.every((p) => p.path.startsWith(path))).toBe(true);
  });

  it('rejects a contextAgent without agent', () => {
    const statement = statementWith({ context: { contextAgents: [{ objectType: 'contextAgent' }] } });
    expect(problems(statement)).toEqual([{ path: 'context.contextAgents[0].agent', message: 'is required' }]);
  });

  it.each([
    ['objectType', { objectType: 'Should fail' }, 'context.contextGroups[0].objectType', 'must be "contextGroup"'],
    ['group', { group: { key: 'Should fail' } }, 'context.contextGroups[0].group.objectType', 'is required'],
    ['group', { group: AGENT }, 'context.contextGroups[0].group.objectType', 'must be "Group"'],
    ['relevantTypes', { relevantTypes: [] }, 'context.contextGroups[0].relevantTypes', 'must list at least one IRI when present'],
    ['relevantTypes', { relevantTypes: ['abc'] }, 'context.contextGroups[0].relevantTypes[0]', 'must be an absolute IRI'],
  ])('rejects a contextGroup with an invalid %s', (_key, patch, path, message) => {
    expect(problems(contextGroup(patch))).toContainEqual({ path, message });
  });

  it('rejects contextAgents given as a single object instead of an array', () => {
    const statement = statementWith({ context: { contextAgents: { objectType: 'contextAgent', agent: AGENT } } });
    expect(problems(statement)).toEqual([{ path: 'context.contextAgents', message: 'must be an array' }]);
  });
});

describe.each(LINES)('result on the %s line', (line) => {
  const resultProblems = (result: unknown) => validateStatement(statementWith({ result }), { line });

  it('accepts a full result', () => {
    expect(
      resultProblems({
        score: { scaled: -0.5, raw: 0, min: -10, max: 10 },
        success: false,
        completion: true,
        response: 'a[,]b',
        duration: 'P3Y1M29DT4H35M59.14S',
        extensions: { 'http://example.com/ext/attempt': 2 },
      }),
    ).toEqual([]);
  });

  it.each([
    ['scaled', 1.01, 'score.scaled', 'must be between -1 and 1'],
    ['scaled', -2, 'score.scaled', 'must be between -1 and 1'],
    ['raw', 11, 'score.raw', 'must not be more than max (10)'],
    ['raw', -1, 'score.raw', 'must not be less than min (0)'],
    ['max', '100', 'score.max', 'must be a number'],
  ])('rejects a score whose %s is %p', (key, value, path, message) => {
    expect(resultProblems({ score: { raw: 5, min: 0, max: 10, [key]: value } })).toEqual([{ path: `result.${path}`, message }]);
  });

  it('rejects a score whose min is not below max, without judging raw against them', () => {
    expect(resultProblems({ score: { raw: 5, min: 10, max: 10 } })).toEqual([
      { path: 'result.score.min', message: 'must be less than max (10)' },
    ]);
  });

  it('accepts a raw score without bounds, and raw equal to a bound', () => {
    expect(resultProblems({ score: { raw: 1234.5 } })).toEqual([]);
    expect(resultProblems({ score: { raw: 10, min: 0, max: 10 } })).toEqual([]);
  });

  it.each([
    ['success', 'false', 'must be true or false'],
    ['completion', 1, 'must be true or false'],
    ['response', 42, 'must be a string'],
    ['duration', 'PA1H0M0S', 'must be an ISO 8601 duration such as PT1H30M or P4W'],
    ['duration', 12345, 'must be a string'],
  ])('rejects a result whose %s is %p', (key, value, message) => {
    expect(resultProblems({ [key]: value })).toEqual([{ path: `result.${key}`, message }]);
  });

  it('rejects unknown properties in result and score', () => {
    expect(resultProblems({ score: { percent: 80 }, passed: true })).toEqual([
      { path: 'result.passed', message: 'is not allowed' },
      { path: 'result.score.percent', message: 'is not allowed' },
    ]);
  });
});
