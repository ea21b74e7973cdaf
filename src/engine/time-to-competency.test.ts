import type { EvidenceItem } from './evidence-types';
import { survivalQuantiles } from './kaplan-meier';
import { timeToCompetency, timeToRole } from './time-to-competency';
import { day, makeCompetency, makeFramework, makeItem, makeObservation } from './testing/fixtures';

const competency = makeCompetency({ halfLifeDays: undefined });
const proficientBy = (d: number): EvidenceItem[] => [
  ...[0, 1, 2, 3].map((k) => makeItem({ observedAt: day(d - 4 + k) })),
  makeObservation({ observedAt: day(d) }),
];

describe('timeToCompetency', () => {
  it('runs from role assignment to the first validation at the target level', () => {
    const t = timeToCompetency({ competency, learnerId: 'l1', evidence: proficientBy(40), targetLevel: 'proficient', assignedAt: day(10), now: day(100) });
    expect(t).toMatchObject({ start: day(10), startSource: 'role-assignment', reachedAt: day(40), duration: day(40) - day(10), censored: false });
  });

  it('starts at the first evidence when no assignment is known, and censors learners not there yet', () => {
    const t = timeToCompetency({ competency, learnerId: 'l1', evidence: proficientBy(40), targetLevel: 'expert', now: day(100) });
    expect(t).toMatchObject({ start: day(36), startSource: 'first-evidence', reachedAt: null, censored: true, duration: day(100) - day(36) });
  });

  it('is the same whatever order the evidence arrived in', () => {
    const evidence = proficientBy(40);
    const a = timeToCompetency({ competency, learnerId: 'l1', evidence, targetLevel: 'proficient', now: day(100) });
    const b = timeToCompetency({ competency, learnerId: 'l1', evidence: [...evidence].reverse(), targetLevel: 'proficient', now: day(100) });
    expect(b).toEqual(a);
  });

  it('lists re-validation after expiry separately and keeps the first validation', () => {
    const evidence = [...proficientBy(40), ...[500, 501].map((d) => makeObservation({ observedAt: day(d) }))];
    const t = timeToCompetency({ competency, learnerId: 'l1', evidence, targetLevel: 'proficient', assignedAt: day(0), now: day(600) });
    expect(t.reachedAt).toBe(day(40));
    expect(t.revalidationsAfterExpiry.map((e) => e.validatedAt)).toEqual([day(500)]);
  });

  it('feeds survival quantiles with censored learners kept', () => {
    const learners = [10, 20, 30, null, null].map((d, i) =>
      timeToCompetency({
        competency,
        learnerId: 'l1',
        evidence: d === null ? [] : proficientBy(d + 4),
        targetLevel: 'proficient',
        assignedAt: day(0) + i, // a different start per learner, a few ms apart
        now: day(60),
      }),
    );
    expect(learners.map((l) => l.censored)).toEqual([false, false, false, true, true]);
    const [median] = survivalQuantiles(learners, [0.5]);
    expect(median?.duration).toBe(day(34) - day(0) - 2);
  });
});

describe('timeToRole', () => {
  it('is the first moment every requirement holds at once, roll-up parents included', () => {
    const framework = makeFramework({
      roles: [{ id: 'lead', title: 'Team lead', requirements: [{ competencyId: 'p1', targetLevel: 'proficient' }, { competencyId: 'c1', targetLevel: 'proficient' }] }],
    });
    const c2At = (d: number) => proficientBy(d).map((e) => ({ ...e, competencyId: 'c2' }));
    const evidence = [...proficientBy(40), ...c2At(100)];
    const t = timeToRole({ framework, roleId: 'lead', learnerId: 'l1', evidence, assignedAt: day(0), now: day(200) });
    expect(t).toMatchObject({ readyAt: day(100), censored: false, start: day(0), startSource: 'role-assignment' });
    // c1 expired (365 days after day 40) before c2 was validated: never both at once
    const late = timeToRole({ framework, roleId: 'lead', learnerId: 'l1', evidence: [...proficientBy(40), ...c2At(420)], now: day(500) });
    expect(late).toMatchObject({ readyAt: null, censored: true, start: day(36), startSource: 'first-evidence' });
  });
});
