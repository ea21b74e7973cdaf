import { startTestLrs, type TestLrs } from './helpers/test-lrs';
import { planStatementQuery, type StatementFilter } from '../src/statements/query-plan';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

type Key = Record<string, 1 | -1>;

/** Every combination of the GET /statements filters the API can issue. */
function allFilters(): StatementFilter[] {
  const parts: Array<(f: StatementFilter) => void> = [
    (f) => { f.agentKey = 'mbox:mailto:a@b.c'; },
    (f) => { f.agentKey = 'mbox:mailto:a@b.c'; f.relatedAgents = true; },
    (f) => { f.verbId = 'http://v'; },
    (f) => { f.activityId = 'http://a'; },
    (f) => { f.activityId = 'http://a'; f.relatedActivities = true; },
    (f) => { f.registration = 'r'; },
    (f) => { f.since = new Date(0); },
    (f) => { f.until = new Date(); },
    (f) => { f.authorityKey = 'account:x|y'; },
  ];
  const out: StatementFilter[] = [];
  for (let mask = 0; mask < 1 << parts.length; mask++) {
    for (const ascending of [false, true]) {
      const f: StatementFilter = { ascending };
      parts.forEach((apply, i) => { if (mask & (1 << i)) apply(f); });
      out.push(f);
    }
  }
  return out;
}

/**
 * An index serves a plan when every key before `stored` is matched by equality in the filter and
 * the remaining keys are the sort, in the index's direction or entirely reversed.
 */
function serves(index: Key, filter: Record<string, unknown>, sort: Key): string | undefined {
  const keys = Object.entries(index);
  const storedAt = keys.findIndex(([k]) => k === 'stored');
  if (storedAt < 0) return 'has no stored key to sort by';
  for (const [k] of keys.slice(0, storedAt)) {
    const v = filter[k];
    if (v === undefined || (typeof v === 'object' && v !== null && !(v instanceof Date))) return `key ${k} is not an equality in the filter`;
  }
  const tail = keys.slice(storedAt);
  const sortKeys = Object.entries(sort);
  if (tail.length !== sortKeys.length) return 'sort keys differ';
  const same = tail.every(([k, d], i) => sortKeys[i]![0] === k && sortKeys[i]![1] === d);
  const reversed = tail.every(([k, d], i) => sortKeys[i]![0] === k && sortKeys[i]![1] === -d);
  return same || reversed ? undefined : 'sort direction does not match';
}

describe('statement query indexes', () => {
  it('has, on the server, an index whose prefix serves the filter and sort of every query shape', async () => {
    const indexes = await lrs.container.db.collection('statements').indexes();
    const byName = new Map(indexes.map((i) => [i.name, i.key as Key]));
    const failures: string[] = [];
    const shapes = allFilters();
    for (const f of shapes) {
      for (const after of [undefined, { stored: new Date(), oid: '0123456789abcdef01234567' }]) {
        const plan = planStatementQuery('store-1', f, after);
        const key = byName.get(plan.index);
        if (!key) { failures.push(`${JSON.stringify(f)}: index ${plan.index} does not exist`); continue; }
        const why = serves(key, plan.filter as Record<string, unknown>, plan.sort as Key);
        if (why) failures.push(`${JSON.stringify(f)} with ${plan.index}: ${why}`);
        if (Object.keys(key)[0] !== 'store') failures.push(`${plan.index} does not start with store`);
      }
    }
    expect(shapes.length).toBe(1024);
    expect(failures).toEqual([]);
  });

  it('detects a shape without a serving index (the check can fail)', () => {
    const plan = planStatementQuery('s', { ascending: false, verbId: 'http://v' });
    expect(serves({ store: 1, agents: 1, voided: 1, stored: -1, _id: -1 }, plan.filter as Record<string, unknown>, plan.sort as Key)).toMatch(/agents/);
    expect(serves({ store: 1, verbIds: 1, voided: 1, stored: 1, _id: -1 }, plan.filter as Record<string, unknown>, plan.sort as Key)).toMatch(/direction/);
  });
});
