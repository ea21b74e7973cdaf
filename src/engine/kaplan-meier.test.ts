import fc from 'fast-check';
import { kaplanMeier, survivalQuantiles, type SurvivalDuration } from './kaplan-meier';

const event = (duration: number): SurvivalDuration => ({ duration, censored: false });
const censored = (duration: number): SurvivalDuration => ({ duration, censored: true });

describe('Kaplan–Meier', () => {
  it('without censoring is the empirical distribution: 1..10 gives median 5, p75 8, p90 9', () => {
    const d = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7].map(event);
    expect(survivalQuantiles(d, [0.5, 0.75, 0.9])).toEqual([
      { quantile: 0.5, duration: 5 },
      { quantile: 0.75, duration: 8 },
      { quantile: 0.9, duration: 9 },
    ]);
  });

  it('keeps censored learners at risk (hand-computed example)', () => {
    // 3, 4+, 5, 6, 6+, 8, 10+, 12 (+ = still not validated when last seen)
    const d = [event(3), censored(4), event(5), event(6), censored(6), event(8), censored(10), event(12)];
    const curve = kaplanMeier(d);
    expect(curve.map((s) => [s.time, s.atRisk, s.events, s.censored])).toEqual([
      [3, 8, 1, 0],
      [4, 7, 0, 1],
      [5, 6, 1, 0],
      [6, 5, 1, 1],
      [8, 3, 1, 0],
      [10, 2, 0, 1],
      [12, 1, 1, 0],
    ]);
    const s = curve.map((x) => x.survival);
    expect(s[0]).toBeCloseTo(7 / 8, 12);
    expect(s[2]).toBeCloseTo((7 / 8) * (5 / 6), 12); // 0.7292
    expect(s[3]).toBeCloseTo((7 / 8) * (5 / 6) * (4 / 5), 12); // 0.5833
    expect(s[4]).toBeCloseTo((7 / 8) * (5 / 6) * (4 / 5) * (2 / 3), 12); // 0.3889
    expect(s[6]).toBe(0);
    expect(survivalQuantiles(d)).toEqual([
      { quantile: 0.5, duration: 8 },
      { quantile: 0.75, duration: 12 },
      { quantile: 0.9, duration: 12 },
    ]);
    // Dropping the censored learners would have said median 6: biased towards fast learners.
    expect(survivalQuantiles(d.filter((x) => !x.censored), [0.5])).toEqual([{ quantile: 0.5, duration: 6 }]);
  });

  it('has no quantile the curve never reaches', () => {
    const d = [event(2), censored(5), censored(6), censored(7)];
    // S(2) = 3/4: a quarter validated, never half
    expect(survivalQuantiles(d, [0.25, 0.5])).toEqual([
      { quantile: 0.25, duration: 2 },
      { quantile: 0.5, duration: null },
    ]);
    expect(survivalQuantiles([], [0.5])).toEqual([{ quantile: 0.5, duration: null }]);
  });

  it('is a non-increasing step curve between 0 and 1 whatever the data', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ duration: fc.integer({ min: 0, max: 50 }), censored: fc.boolean() })), (d) => {
        const curve = kaplanMeier(d);
        let previous = 1;
        for (const step of curve) {
          expect(step.survival).toBeLessThanOrEqual(previous);
          expect(step.survival).toBeGreaterThanOrEqual(0);
          previous = step.survival;
        }
        expect(curve.reduce((n, s) => n + s.events + s.censored, 0)).toBe(d.length);
      }),
    );
  });
});
