import fc from 'fast-check';
import { kaplanMeier, survivalQuantiles } from '../engine';
import { encodeDuration, survivalSummary } from './survival';

const DAY = 86_400_000;

describe('survivalSummary', () => {
  it('agrees with the engine\'s Kaplan–Meier curve and quantiles for any durations, ties and censoring included', () => {
    fc.assert(fc.property(fc.array(fc.record({ days: fc.integer({ min: 0, max: 40 }), censored: fc.boolean() }), { maxLength: 60 }), (list) => {
      const durations = list.map((x) => ({ duration: x.days, censored: x.censored }));
      const mine = survivalSummary(list.map((x) => encodeDuration(x.days * DAY, x.censored)), true);
      const curve = kaplanMeier(durations);
      expect(mine.curve).toEqual(curve.map((s) => ({ days: s.time, atRisk: s.atRisk, events: s.events, censored: s.censored, survival: s.survival })));
      expect([mine.median, mine.p75, mine.p90]).toEqual(survivalQuantiles(durations).map((q) => q.duration));
      expect(mine.events + mine.censored).toBe(list.length);
    }));
  });

  it('keeps censored learners at risk: one event among four gives no median', () => {
    const s = survivalSummary([encodeDuration(DAY, false), encodeDuration(2 * DAY, true), encodeDuration(3 * DAY, true), encodeDuration(4 * DAY, true)], false);
    expect(s).toEqual({ n: 4, events: 1, censored: 3, median: null, p75: null, p90: null });
  });
});
