import type { CompetencyState, EvidenceItem } from './evidence-types';
import { mayStart, maySkip } from './prerequisites';
import { rollupCompetency } from './rollup';
import { computeState } from './score';
import { day, makeCompetency, makeFramework, makeItem, makeObservation } from './testing/fixtures';
import type { Framework } from './types';

/** Evidence that validates `competencyId` at "proficient" on day `d + 5` (valid 365 days). */
function proficientEvidence(competencyId: string, d: number): EvidenceItem[] {
  return [
    ...[0, 1, 2, 3, 4].map((k) => makeItem({ competencyId, observedAt: day(d + k) })),
    makeObservation({ competencyId, observedAt: day(d + 5) }),
  ];
}

function statesFor(framework: Framework, evidence: EvidenceItem[], now: number): Map<string, CompetencyState> {
  return new Map(
    framework.competencies.map((c) => [c.id, computeState({ competency: c, learnerId: 'l1', evidence, now })] as const),
  );
}

describe('rollupCompetency', () => {
  const framework = makeFramework(); // p1 = all-children(c1, c2)

  it('validates an all-children parent only when every child is validated, scoring the weakest', () => {
    const onlyC1 = statesFor(framework, proficientEvidence('c1', 0), day(10));
    const half = rollupCompetency({ framework, states: onlyC1, competencyId: 'p1', now: day(10) });
    expect(half).toMatchObject({ mode: 'all-children', validated: false, missing: ['c2'], score: expect.any(Number) });
    expect(half.score).toBe(0); // c2 has no evidence: the weakest link counts 0

    const both = statesFor(framework, [...proficientEvidence('c1', 0), ...proficientEvidence('c2', 20)], day(30));
    const full = rollupCompetency({ framework, states: both, competencyId: 'p1', now: day(30) });
    expect(full.validated).toBe(true);
    expect(full.validatedLevel).toBe('proficient');
    expect(full.validatedAt).toBe(day(25));
    expect(full.validUntil).toBe(day(5 + 365));
    expect(full.score).toBe(Math.min(both.get('c1')?.score ?? 1, both.get('c2')?.score ?? 1));
  });

  it('lapses when one child expires', () => {
    const both = statesFor(framework, [...proficientEvidence('c1', 0), ...proficientEvidence('c2', 20)], day(30));
    const later = rollupCompetency({ framework, states: both, competencyId: 'p1', now: day(371) });
    expect(later.validated).toBe(false);
    expect(later.missing).toEqual(['c1']);
  });

  it('weighs points and insists on required children', () => {
    const weighted = makeFramework({
      competencies: [
        makeCompetency({ id: 'p1', rollup: { mode: 'weighted', weights: { c1: 3, c2: 1, c3: 1 }, requiredChildren: ['c2'], minPoints: 3 } }),
        makeCompetency({ id: 'c1', parentId: 'p1' }),
        makeCompetency({ id: 'c2', parentId: 'p1' }),
        makeCompetency({ id: 'c3', parentId: 'p1' }),
      ],
    });
    const c1Only = statesFor(weighted, proficientEvidence('c1', 0), day(10));
    const r1 = rollupCompetency({ framework: weighted, states: c1Only, competencyId: 'p1', now: day(10) });
    expect(r1).toMatchObject({ validated: false, missing: ['c2'], points: { earned: 3, needed: 3 } });

    const c2c3 = statesFor(weighted, [...proficientEvidence('c2', 0), ...proficientEvidence('c3', 0)], day(10));
    const r2 = rollupCompetency({ framework: weighted, states: c2c3, competencyId: 'p1', now: day(10) });
    expect(r2).toMatchObject({ validated: false, missing: [], points: { earned: 2, needed: 3 } });

    const all = statesFor(weighted, [...proficientEvidence('c1', 0), ...proficientEvidence('c2', 0)], day(10));
    const r3 = rollupCompetency({ framework: weighted, states: all, competencyId: 'p1', now: day(10) });
    expect(r3).toMatchObject({ validated: true, validatedLevel: 'proficient', points: { earned: 4, needed: 3 } });
    const s1 = all.get('c1')?.score ?? 0;
    const s2 = all.get('c2')?.score ?? 0;
    expect(r3.score).toBeCloseTo((3 * s1 + s2 + 0) / 5, 12);
  });
});

describe('mayStart / maySkip', () => {
  const framework = makeFramework(); // c2 requires c1

  it('lets a learner start once the prerequisites are validated, and says why not before', () => {
    const none = statesFor(framework, [], day(1));
    expect(mayStart({ framework, states: none, competencyId: 'c2', now: day(1) })).toEqual({
      allowed: false,
      reasons: [{ code: 'PREREQUISITE_NOT_VALIDATED', competencyId: 'c1', message: 'prerequisite "c1" is not validated' }],
      met: [],
    });
    const c1 = statesFor(framework, proficientEvidence('c1', 0), day(10));
    expect(mayStart({ framework, states: c1, competencyId: 'c2', now: day(10) })).toEqual({ allowed: true, reasons: [], met: ['c1'] });
    expect(mayStart({ framework, states: c1, competencyId: 'c1', now: day(10) }).allowed).toBe(true);
    expect(mayStart({ framework, states: c1, competencyId: 'c2', now: day(400) }).reasons[0]?.code).toBe('PREREQUISITE_EXPIRED');
  });

  it('lets a learner skip content only with a validation at the level asked', () => {
    const c1 = statesFor(framework, proficientEvidence('c1', 0), day(10));
    expect(maySkip({ framework, states: c1, competencyId: 'c1', levelId: 'proficient', now: day(10) }).allowed).toBe(true);
    expect(maySkip({ framework, states: c1, competencyId: 'c1', levelId: 'basic', now: day(10) }).allowed).toBe(true);
    // default level: the top of the scale
    expect(maySkip({ framework, states: c1, competencyId: 'c1', now: day(10) }).reasons).toEqual([
      { code: 'BELOW_LEVEL', competencyId: 'c1', message: 'validated at "proficient", below "expert"' },
    ]);
    expect(maySkip({ framework, states: c1, competencyId: 'c2', levelId: 'basic', now: day(10) }).reasons[0]?.code).toBe('NOT_VALIDATED');
    expect(maySkip({ framework, states: c1, competencyId: 'c1', levelId: 'basic', now: day(400) }).reasons[0]?.code).toBe('VALIDATION_EXPIRED');
    expect(maySkip({ framework, states: c1, competencyId: 'zz', now: day(10) }).reasons[0]?.code).toBe('UNKNOWN_COMPETENCY');
    expect(maySkip({ framework, states: c1, competencyId: 'c1', levelId: 'guru', now: day(10) }).reasons[0]?.code).toBe('UNKNOWN_LEVEL');
  });
});
