import { explainState } from './explain';
import { day, makeCompetency, makeItem, makeObservation } from './testing/fixtures';

describe('explainState', () => {
  const competency = makeCompetency({ halfLifeDays: 10 });
  const quiz = makeItem({ observedAt: day(0), value: 0.5, ruleId: 'quiz' });
  const observation = makeObservation({ observedAt: day(10), value: 1 });
  const future = makeItem({ observedAt: day(30) });

  it('lists each statement with its rule, assessor, raw and decayed contribution', () => {
    const { items, excluded, state, prior } = explainState({
      competency,
      learnerId: 'l1',
      evidence: [observation, quiz, { ...quiz }, future],
      now: day(20),
    });
    expect(items.map((i) => [i.item.statementId, i.item.ruleId])).toEqual([
      [quiz.statementId, 'quiz'],
      [observation.statementId, 'r-observation'],
    ]);
    const [q, o] = items;
    expect(q).toMatchObject({ sourceWeight: 0.5, raw: { weight: 0.5, alpha: 0.25, beta: 0.25 }, decay: 0.25 });
    expect(q?.current.weight).toBeCloseTo(0.125, 12);
    expect(o?.item.assessor).toEqual({ source: 'instructor', ifi: 'mbox:mailto:manager@example.com' });
    expect(o?.current).toEqual({ weight: 1, alpha: 1, beta: 0 });
    expect(o?.share).toBeCloseTo(1 / 1.125, 12);
    // contributions plus the prior add up to the state
    expect(prior.alpha + items.reduce((s, i) => s + i.current.alpha, 0)).toBeCloseTo(state.alpha, 12);
    expect(prior.beta + items.reduce((s, i) => s + i.current.beta, 0)).toBeCloseTo(state.beta, 12);
    expect(excluded.map((e) => e.reason)).toEqual([
      expect.stringMatching(/delivered more than once; it counts once/),
      expect.stringMatching(/observed after 2024-01-21T00:00:00.000Z/),
    ]);
  });
});
