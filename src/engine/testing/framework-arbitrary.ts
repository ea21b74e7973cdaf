/**
 * A fast-check generator of valid frameworks for round-trip property tests of the interchange
 * formats: up to six competencies whose ids are plain strings and IRIs by turns, a tree, a
 * prerequisite each at most, with or without decay, and a role.
 */
import fc from 'fast-check';
import type { Framework } from '../types';
import { makeCompetency, makeFramework } from './fixtures';

export function frameworkArbitrary(): fc.Arbitrary<Framework> {
  const idOf = (i: number) => `${i % 2 === 0 ? 'comp-' : 'https://example.com/c/'}${i}`;
  return fc
    .record({
      n: fc.integer({ min: 1, max: 6 }),
      parents: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      prereq: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      halfLife: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    })
    .map(({ n, parents, prereq, halfLife }) => {
      // parents and prerequisites only point to earlier competencies: no cycles
      const competencies = Array.from({ length: n }, (_, i) => {
        const c = makeCompetency({ id: idOf(i), title: `Competency ${i}`, halfLifeDays: halfLife });
        if (halfLife === undefined) delete c.halfLifeDays;
        const p = parents[i] ?? 0;
        if (i > 0 && p % 3 !== 0) c.parentId = idOf(p % i);
        const q = prereq[i] ?? 0;
        if (i > 0 && q % 2 === 1) c.prerequisites = [idOf(q % i)];
        return c;
      });
      return makeFramework({ competencies, roles: [{ id: 'r', title: 'R', requirements: [{ competencyId: 'comp-0', targetLevel: 'expert' }] }] });
    });
}
