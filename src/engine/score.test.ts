import fc from 'fast-check';
import type { CompetencyState, EvidenceItem } from './evidence-types';
import { canonicalEvidence } from './evidence-set';
import { applyEvidence, computeState, projectState, retractEvidence } from './score';
import { differences } from './testing/approx';
import { day, makeCompetency, makeItem, makeObservation, T0 } from './testing/fixtures';
import { SOURCE_KINDS } from './types';

const competency = makeCompetency();
const NOW = day(800);
const state = (evidence: readonly EvidenceItem[], now = NOW, c = competency): CompetencyState =>
  computeState({ competency: c, learnerId: 'l1', evidence, now });

// Small statement pool so duplicates (same statement, rule and competency) occur, sometimes with
// different content; a few minutes' spread so several items share an instant.
const itemArb = fc
  .record({
    statement: fc.integer({ min: 0, max: 25 }),
    rule: fc.constantFrom('r1', 'r2'),
    sourceKind: fc.constantFrom(...SOURCE_KINDS),
    value: fc.double({ min: 0, max: 1, noNaN: true }),
    weight: fc.double({ min: 0.1, max: 3, noNaN: true }),
    dayOffset: fc.integer({ min: 0, max: 720 }),
    minute: fc.integer({ min: 0, max: 2 }),
  })
  .map((r) =>
    makeItem({
      statementId: `s${r.statement}`,
      ruleId: r.rule,
      sourceKind: r.sourceKind,
      value: r.value,
      weight: r.weight,
      observedAt: day(r.dayOffset) + r.minute * 60_000,
    }),
  );
const evidenceArb = fc.array(itemArb, { maxLength: 40 });
const permutation = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
const distinctArb = evidenceArb.map((items) => canonicalEvidence(items).items);
const ACCUMULATOR_FIELDS = ['alpha', 'beta', 'score', 'interval', 'level', 'evidenceCount', 'bySource', 'asOf'] as const;
const pick = (s: CompetencyState) => Object.fromEntries(ACCUMULATOR_FIELDS.map((k) => [k, s[k]]));

describe('computeState properties', () => {
  it('is order-independent: any permutation of the evidence gives the identical state', () => {
    fc.assert(
      fc.property(
        evidenceArb.chain((items) => fc.tuple(fc.constant(items), permutation(items))),
        ([items, shuffled]) => {
          expect(state(shuffled)).toEqual(state(items));
        },
      ),
    );
  });

  it('is idempotent: a statement delivered twice counts once', () => {
    fc.assert(
      fc.property(evidenceArb, fc.nat(), (items, k) => {
        const again = items.slice(0, k % (items.length + 1)).map((i) => ({ ...i }));
        expect(state([...items, ...again])).toEqual(state(items));
      }),
    );
  });

  it('is reversible: retracting a voided statement gives the state without it', () => {
    const voidedArb = fc.array(itemArb, { minLength: 1, maxLength: 5 }).map((xs) =>
      canonicalEvidence(xs.map((x) => ({ ...x, statementId: `voided-${x.statementId}` }))).items,
    );
    fc.assert(
      fc.property(distinctArb, voidedArb, (kept, voided) => {
        const withVoided = state([...kept, ...voided]);
        const result = retractEvidence({ competency, state: withVoided, items: voided, now: NOW });
        const without = state(kept);
        expect(differences(pick(result.state), pick(without))).toEqual([]);
        if (!result.replayRequired) expect(differences(result.state, without)).toEqual([]);
        expect(result.replayRequired).toBe(kept.length > 0);
      }),
    );
  });

  it('decays towards the prior: with no new evidence the score only moves closer to 0.5', () => {
    fc.assert(
      fc.property(evidenceArb, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 2000 }), (items, a, b) => {
        const earlier = state(items, day(721 + a));
        const later = state(items, day(721 + a + b));
        expect(Math.abs(later.score - 0.5)).toBeLessThanOrEqual(Math.abs(earlier.score - 0.5) + 1e-12);
        expect(later.alpha + later.beta).toBeLessThanOrEqual(earlier.alpha + earlier.beta + 1e-9);
      }),
    );
  });

  it('projectState of an earlier state equals computing at the later time', () => {
    fc.assert(
      fc.property(evidenceArb, fc.integer({ min: 0, max: 2000 }), (items, later) => {
        const projected = projectState({ competency, state: state(items), now: NOW + later * 3_600_000 });
        expect(differences(projected, state(items, NOW + later * 3_600_000))).toEqual([]);
      }),
    );
  });
});

describe('incremental updates agree with computeState', () => {
  it('applied live, instant by instant, the result is exactly the from-scratch state', () => {
    fc.assert(
      fc.property(distinctArb, (items) => {
        let s = state([], T0 - 1);
        for (let i = 0; i < items.length; ) {
          const t = (items[i] as EvidenceItem).observedAt;
          const batch: EvidenceItem[] = [];
          while (items[i]?.observedAt === t) batch.push(items[i++] as EvidenceItem);
          const r = applyEvidence({ competency, state: s, items: batch, now: t + 1000 });
          expect(r.replayRequired).toBe(false);
          s = r.state;
        }
        expect(differences(s, state(items, s.asOf))).toEqual([]);
      }),
    );
  });

  it('applied in any order, scores and tallies are exact; the timeline is exact unless a replay is flagged', () => {
    fc.assert(
      fc.property(
        distinctArb.chain((items) => permutation(items)),
        fc.array(fc.integer({ min: 0, max: 800 }), { minLength: 40, maxLength: 40 }),
        (items, nows) => {
          let s = state([], T0);
          let replay = false;
          items.forEach((item, i) => {
            const r = applyEvidence({ competency, state: s, items: [item], now: day(nows[i] ?? 0) });
            replay ||= r.replayRequired;
            s = r.state;
          });
          const fresh = state(items, s.asOf);
          expect(differences(pick(s), pick(fresh))).toEqual([]);
          if (!replay) expect(differences(s, fresh)).toEqual([]);
        },
      ),
    );
  });

  it('applying then retracting an item returns to the original scores', () => {
    fc.assert(
      fc.property(distinctArb, itemArb, (items, extra) => {
        const x = { ...extra, statementId: 'extra' };
        const before = state(items);
        const added = applyEvidence({ competency, state: before, items: [x], now: NOW }).state;
        const back = retractEvidence({ competency, state: added, items: [x], now: NOW }).state;
        expect(differences(pick(back), pick(before))).toEqual([]);
      }),
    );
  });
});

describe('levels, validation and the timeline (no decay, so numbers are exact)', () => {
  const c = makeCompetency({ halfLifeDays: undefined });
  const at = (evidence: EvidenceItem[], now: number) =>
    computeState({ competency: c, learnerId: 'l1', evidence, now });
  // Four perfect knowledge checks (weight 0.5 each) then one perfect observation (weight 2):
  // Beta(5, 1), whose CDF is x⁵, so P(θ ≥ 0.7) = 1 − 0.7⁵ = 0.832 and P(θ ≥ 0.9) = 0.41.
  const checks = [0, 1, 2, 3].map((d) => makeItem({ observedAt: day(d) }));
  const observation = makeObservation({ observedAt: day(4) });

  it('reaches levels by the posterior mean and records when each was first reached', () => {
    const s = at(checks, day(10));
    expect(s.alpha).toBe(3);
    expect(s.beta).toBe(1);
    expect(s.score).toBe(0.75);
    expect(s.level).toBe('proficient');
    // means after each check: 0.6, 0.667, 0.714, 0.75
    expect(s.firstReachedAt).toEqual({ basic: day(0), proficient: day(2) });
  });

  it('does not validate on knowledge checks alone, however good', () => {
    const many = Array.from({ length: 40 }, (_, d) => makeItem({ observedAt: day(d) }));
    const s = at(many, day(50));
    expect(s.level).toBe('expert');
    expect(s.validated).toBe(false);
    expect(s.validations).toEqual([]);
  });

  it('validates at the highest level reached with 80 % certainty once an observation joins', () => {
    const s = at([...checks, observation], day(10));
    expect([s.alpha, s.beta]).toEqual([5, 1]);
    expect(s.validated).toBe(true);
    expect(s.validatedLevel).toBe('proficient');
    expect(s.validatedAt).toBe(day(4));
    expect(s.validUntil).toBe(day(369));
    expect(s.reassessmentDueAt).toBe(day(339));
    expect(s.firstValidatedAt).toEqual({ basic: day(4), proficient: day(4) });
    expect(s.evidenceCount).toBe(5);
    expect(s.bySource.observation).toEqual({ count: 1, weight: 2, decayedWeight: 2 });
    expect(s.bySource['knowledge-check']).toEqual({ count: 4, weight: 2, decayedWeight: 2 });
  });

  it('needs the minimum number of items', () => {
    const s = at([makeItem({ observedAt: day(0) }), makeObservation({ observedAt: day(1) })], day(2));
    expect(s.validated).toBe(false);
  });

  it('needs certainty, not just a high mean', () => {
    // Beta(1 + 3·0.72, 1 + 3·0.28) = Beta(3.16, 1.84): mean 0.63, P(θ ≥ 0.4) ≈ 0.86 but
    // P(θ ≥ 0.7) ≈ 0.41, so it validates at basic only.
    const evidence = [makeItem({ value: 0.72 }), makeItem({ value: 0.72 }), makeObservation({ value: 0.72 })];
    const s = at(evidence, day(1));
    expect(s.score).toBeCloseTo(3.16 / 5, 12);
    expect(s.level).toBe('basic');
    expect(s.validatedLevel).toBe('basic');
  });

  it('refuses validation while the interval is wider than allowed', () => {
    const narrow = makeCompetency({ halfLifeDays: undefined, validationRule: { ...c.validationRule, maxIntervalWidth: 0.1 } });
    const s = computeState({ competency: narrow, learnerId: 'l1', evidence: [...checks, observation], now: day(10) });
    expect(s.interval[1] - s.interval[0]).toBeGreaterThan(0.1);
    expect(s.validated).toBe(false);
  });

  it('expires after the reassessment interval but keeps when it was validated', () => {
    const s = at([...checks, observation], day(400));
    expect(s.validated).toBe(false);
    expect(s.validatedLevel).toBe(null);
    expect(s.validatedAt).toBe(day(4));
    expect(s.validUntil).toBe(day(369));
  });

  it('renews on qualifying evidence once reassessment is due, not before', () => {
    const early = makeObservation({ observedAt: day(100) });
    const due = makeObservation({ observedAt: day(350) });
    const s = at([...checks, observation, early, due], day(400));
    expect(s.validations.map((v) => [v.kind, v.validatedAt])).toEqual([
      ['first', day(4)],
      ['renewal', day(350)],
    ]);
    expect(s.validated).toBe(true);
    expect(s.validUntil).toBe(day(715));
  });

  it('records re-validation after expiry separately, and upgrades when evidence shows more', () => {
    // Each observation adds 2 to α (β stays 1, CDF xᵅ): expert needs 1 − 0.9ᵅ ≥ 0.8, α ≥ 15.3,
    // reached with the sixth, α = 5 + 12 = 17.
    const later = [500, 501, 502, 503, 504, 505].map((d) => makeObservation({ observedAt: day(d) }));
    const s = at([...checks, observation, ...later], day(510));
    expect(s.validations.map((v) => [v.kind, v.levelId, v.validatedAt])).toEqual([
      ['first', 'proficient', day(4)],
      ['after-expiry', 'proficient', day(500)],
      ['upgrade', 'expert', day(505)],
    ]);
    expect(s.validatedLevel).toBe('expert');
    expect(s.firstValidatedAt.expert).toBe(day(505));
  });

  it('does not count evidence observed after now, and has no level without evidence', () => {
    const s = at([...checks, observation], day(3) + 1);
    expect(s.evidenceCount).toBe(4);
    const empty = at([], day(3));
    expect([empty.score, empty.level, empty.interval[0]]).toEqual([0.5, null, expect.closeTo(0.05, 12)]);
  });

  it('decays evidence by the half-life', () => {
    const decaying = makeCompetency({ halfLifeDays: 10 });
    const s = computeState({ competency: decaying, learnerId: 'l1', evidence: [makeObservation({ value: 1 })], now: day(10) });
    expect(s.alpha).toBeCloseTo(2, 12); // 1 + 2 × ½
    expect(s.bySource.observation).toEqual({ count: 1, weight: 2, decayedWeight: expect.closeTo(1, 12) });
  });
});
