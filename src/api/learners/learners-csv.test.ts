import fc from 'fast-check';
import { parseLearnersCsv } from './learners-csv';

// RFC 4180 quoting, as a spreadsheet would write a cell.
const cell = (v: string) => (/[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (rows: string[][]) => `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;

const printable = (s: string) => [...s].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? 'x' : ch)).join('');
const text = fc.string({ minLength: 1, maxLength: 30 }).map((s) => printable(s).trim()).filter((s) => s.length > 0 && !s.startsWith('implicit:'));
const learner = fc.record({
  learnerId: text,
  name: fc.option(fc.constantFrom('Ada', 'Hopper, Grace', 'O"Neil', 'Zoë Ðoe'), { nil: undefined }),
  team: fc.option(text, { nil: undefined }),
  local: fc.stringMatching(/^[a-z][a-z0-9.]{0,15}$/),
  account: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { nil: undefined }),
});

describe('parseLearnersCsv', () => {
  it('reads back every learner written as CSV, whatever the quoting', () => {
    fc.assert(fc.property(fc.uniqueArray(learner, { minLength: 1, maxLength: 8, selector: (l) => l.learnerId }), (ls) => {
      fc.pre(new Set(ls.map((l) => l.local)).size === ls.length && new Set(ls.map((l) => l.account).filter(Boolean)).size === ls.filter((l) => l.account).length);
      const rows = [['learnerId', 'name', 'team', 'mbox', 'account_homePage', 'account_name']];
      for (const l of ls) rows.push([l.learnerId, l.name ?? '', l.team ?? '', `mailto:${l.local}@example.com`, l.account ? 'https://lms.example.com' : '', l.account ?? '']);
      const parsed = parseLearnersCsv(csv(rows));
      expect(parsed.problems).toEqual([]);
      expect(parsed.learners).toEqual(ls.map((l) => ({
        learnerId: l.learnerId,
        identities: [`mbox:mailto:${l.local}@example.com`, ...(l.account ? [`account:https://lms.example.com|${l.account}`] : [])],
        attributes: { ...(l.name !== undefined ? { name: l.name } : {}), ...(l.team !== undefined ? { team: l.team } : {}) },
      })));
    }));
  });

  it('never throws on arbitrary input, and names a row (and column) for every problem', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (input) => {
      const parsed = parseLearnersCsv(`learnerId,mbox\n${input}`);
      for (const p of parsed.problems) expect(p.path).toMatch(/^(row \d+(, column .+)?|file)$/);
    }));
  });

  it('numbers rows as records, the header being row 1, so a quoted line break does not shift them', () => {
    const parsed = parseLearnersCsv('learnerId,name,mbox\r\na,"two\r\nlines",mailto:a@example.com\r\nb,,not-mail\r\n');
    expect(parsed.problems).toEqual([{ path: 'row 3, column mbox', message: 'must be a mailto IRI' }]);
  });
});
