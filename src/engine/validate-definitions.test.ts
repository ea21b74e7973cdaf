import type { Competency, Framework, MappingRule } from './types';
import { makeCompetency, makeFramework } from './testing/fixtures';
import { parseFramework, parseMappingRules, validateFramework, validateMappingRules } from './validate-definitions';

const withCompetencies = (...competencies: Competency[]): Framework => makeFramework({ roles: [], competencies });

const rule = (overrides: Partial<MappingRule> = {}): MappingRule => ({
  id: 'quiz',
  match: { verbIds: ['http://adlnet.gov/expapi/verbs/answered'] },
  produce: [{ competencyId: 'c1', sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }],
  ...overrides,
});

describe('validateFramework', () => {
  it('accepts a well-formed framework', () => {
    expect(validateFramework(makeFramework())).toEqual([]);
    expect(parseFramework(makeFramework())).toEqual({ ok: true, value: makeFramework() });
  });

  it('names every structural problem with its path, not just the first', () => {
    const problems = validateFramework({
      id: 'f',
      version: '1',
      roles: [{ id: 'r', title: 'R', requirements: [{ competencyId: 'c1' }] }],
      competencies: [
        { id: 'c1', title: 'C', scale: { levels: [{ id: 'a', threshold: 1.5 }] }, colour: 'red' },
        { id: 'c2', title: 'D', scale: { levels: [] }, rollup: { mode: 'sideways' } },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'title', message: 'is required' },
        { path: 'roles[0].requirements[0].targetLevel', message: 'is required' },
        { path: 'competencies[0].scale.levels[0].threshold', message: 'must be <= 1' },
        { path: 'competencies[0].colour', message: 'is not a known property' },
        { path: 'competencies[1].scale.levels', message: 'must NOT have fewer than 1 items' },
        { path: 'competencies[1].rollup.mode', message: 'must be one of "all-children", "weighted"' },
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it.each<[string, Framework, { path: string; message: RegExp }[]]>([
    [
      'duplicate competency, level and indicator ids',
      withCompetencies(
        makeCompetency({ indicators: [{ id: 'i', title: 'I' }, { id: 'i', title: 'J' }] }),
        makeCompetency({ scale: { levels: [{ id: 'a', threshold: 0.2 }, { id: 'a', threshold: 0.5 }] } }),
      ),
      [
        { path: 'competencies[1].id', message: /duplicates the id "c1" of item 0/ },
        { path: 'competencies[0].indicators[1].id', message: /duplicates/ },
        { path: 'competencies[1].scale.levels[1].id', message: /duplicates/ },
      ],
    ],
    [
      'thresholds not ascending',
      withCompetencies(makeCompetency({ scale: { levels: [{ id: 'a', threshold: 0.6 }, { id: 'b', threshold: 0.6 }] } })),
      [{ path: 'competencies[0].scale.levels[1].threshold', message: /greater than the previous level's threshold \(0.6\)/ }],
    ],
    [
      'unknown parent, unknown prerequisite, self-prerequisite',
      withCompetencies(makeCompetency({ parentId: 'nope', prerequisites: ['c1', 'ghost'] })),
      [
        { path: 'competencies[0].parentId', message: /names no competency.*"nope"/ },
        { path: 'competencies[0].prerequisites[0]', message: /itself/ },
        { path: 'competencies[0].prerequisites[1]', message: /"ghost"/ },
      ],
    ],
    [
      'a prerequisite cycle, reported once with its members',
      withCompetencies(
        makeCompetency({ id: 'a', prerequisites: ['b'] }),
        makeCompetency({ id: 'b', prerequisites: ['c'] }),
        makeCompetency({ id: 'c', prerequisites: ['a'] }),
      ),
      [{ path: 'competencies[0].prerequisites[0]', message: /cycle: a → b → c → a/ }],
    ],
    [
      'a parent cycle, reported once',
      withCompetencies(makeCompetency({ id: 'a', parentId: 'b' }), makeCompetency({ id: 'b', parentId: 'a' })),
      [{ path: 'competencies[0].parentId', message: /parents form a cycle: a → b → a/ }],
    ],
    [
      'role requirements naming unknown competencies or levels',
      makeFramework({
        roles: [
          { id: 'r', title: 'R', requirements: [{ competencyId: 'c1', targetLevel: 'wizard' }, { competencyId: 'zz', targetLevel: 'basic' }] },
          { id: 'r', title: 'again', requirements: [] },
        ],
      }),
      [
        { path: 'roles[1].id', message: /duplicates/ },
        { path: 'roles[0].requirements[0].targetLevel', message: /not a level of competency "c1" \(basic, proficient, expert\)/ },
        { path: 'roles[0].requirements[1].competencyId', message: /"zz"/ },
      ],
    ],
    [
      'roll-up rules that cannot work',
      withCompetencies(
        makeCompetency({ id: 'p', rollup: { mode: 'weighted', weights: { a: 1, x: 2 }, requiredChildren: ['y'], minPoints: 5 } }),
        makeCompetency({ id: 'a', parentId: 'p', rollup: { mode: 'all-children' } }),
      ),
      [
        { path: 'competencies[0].rollup.weights.x', message: /not a child/ },
        { path: 'competencies[0].rollup.requiredChildren[0]', message: /"y" is not a child/ },
        { path: 'competencies[0].rollup.minPoints', message: /never be reached.*add up to 1/ },
        { path: 'competencies[1].rollup', message: /no competency has this one as its parent/ },
      ],
    ],
    [
      'reassessment lead and source-kind counts that contradict each other',
      withCompetencies(
        makeCompetency({
          reassessmentIntervalDays: 30,
          reassessmentLeadDays: 30,
          validationRule: { requiredSourceKinds: ['observation', 'project'], minDistinctSourceKinds: 1 },
        }),
      ),
      [
        { path: 'competencies[0].reassessmentLeadDays', message: /shorter/ },
        { path: 'competencies[0].validationRule.minDistinctSourceKinds', message: /below the number of required source kinds \(2\)/ },
      ],
    ],
  ])('reports %s', (_name, framework, expected) => {
    const problems = validateFramework(framework);
    expect(problems).toHaveLength(expected.length);
    for (const e of expected) {
      expect(problems).toContainEqual({ path: e.path, message: expect.stringMatching(e.message) });
    }
    expect(parseFramework(framework).ok).toBe(false);
  });

  it('quotes keys that are not identifiers in paths', () => {
    const f = withCompetencies(
      makeCompetency({ id: 'p', rollup: { mode: 'weighted', weights: { 'https://x.org/c': 1 }, minPoints: 1 } }),
      makeCompetency({ id: 'a', parentId: 'p' }),
    );
    expect(validateFramework(f)).toEqual([{ path: 'competencies[0].rollup.weights["https://x.org/c"]', message: 'is not a child of this competency' }]);
  });
});

describe('validateMappingRules', () => {
  const framework = makeFramework();

  it('accepts well-formed rules', () => {
    const rules = [
      rule(),
      rule({
        id: 'scenario',
        match: { interactionTypes: ['choice'], contextActivityIds: { parent: ['https://example.com/scenario/1'] } },
        produce: [
          { competencyId: 'c1', indicatorId: 'listens', sourceKind: 'scenario', value: { from: 'choice-table', table: { a: 1, b: 0.2 } } },
          { competencyId: 'c2', sourceKind: 'scenario', value: { from: 'choice-table', table: { a: 0 }, default: 0.5 }, weight: 2 },
        ],
      }),
    ];
    expect(parseMappingRules(rules, framework)).toEqual({ ok: true, value: rules });
  });

  it('names structural problems with paths into the list', () => {
    const problems = validateMappingRules(
      [
        { id: 'r', match: {}, produce: [{ competencyId: 'c1', sourceKind: 'hearsay', value: { from: 'vibes' } }] },
        { id: 'q', match: { verbIds: ['not an iri'] }, produce: [{ competencyId: 'c1', sourceKind: 'scenario', value: { from: 'choice-table' } }] },
      ],
      framework,
    );
    expect(problems).toEqual([
      { path: '[0].match', message: 'must not be empty' },
      { path: '[0].produce[0].sourceKind', message: expect.stringMatching(/^must be one of "knowledge-check"/) },
      { path: '[0].produce[0].value.from', message: 'must be one of "score.scaled", "success", "choice-table", "constant"' },
      { path: '[1].match.verbIds[0]', message: expect.stringMatching(/must match pattern/) },
      { path: '[1].produce[0].value.table', message: 'is required' },
    ]);
  });

  it('names unknown competencies and indicators, repeats, roll-up parents and useless settings', () => {
    const problems = validateMappingRules(
      [
        rule({
          produce: [
            { competencyId: 'ghost', sourceKind: 'project', value: { from: 'constant', value: 1 } },
            { competencyId: 'c1', indicatorId: 'juggles', sourceKind: 'project', value: { from: 'constant', value: 1 } },
            { competencyId: 'p1', sourceKind: 'project', value: { from: 'success' } },
            { competencyId: 'c1', indicatorId: 'juggles', sourceKind: 'scenario', value: { from: 'success' } },
          ],
          assessorFrom: ['instructor'],
          assessorRelevantTypes: ['https://example.com/types/manager'],
        }),
        rule(),
      ],
      framework,
    );
    expect(problems.map((p) => p.path)).toEqual([
      '[1].id',
      '[0].produce[0].competencyId',
      '[0].produce[1].indicatorId',
      '[0].produce[2].competencyId',
      '[0].produce[3].indicatorId',
      '[0].produce[3]',
      '[0].assessorRelevantTypes',
    ]);
  });
});
