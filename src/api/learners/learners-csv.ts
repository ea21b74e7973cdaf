/**
 * CSV import of learners: one header row, then one learner per row. Every row is checked before
 * anything is saved, and every problem is reported as `row N, column X: problem`, where row 1 is
 * the header (rows are CSV records: a quoted value may span lines).
 */
import { parse } from 'csv-parse/sync';
import type { ValidationProblem } from '../../xapi/validation-problem';
import { checkAgent } from '../shared/agents';
import { ATTRIBUTE_NAMES, parseLearnerBody, type LearnerInput } from './learner-input';

/** Columns that hold one identity each; several (and repeats) are allowed per row. */
const IDENTITY_COLUMNS = ['mbox', 'openid', 'mbox_sha1sum', 'account_homePage', 'account_name'] as const;
export const CSV_COLUMNS: readonly string[] = ['learnerId', ...ATTRIBUTE_NAMES, ...IDENTITY_COLUMNS];

/** The most rows one import takes; larger files are split by the caller. */
export const CSV_MAX_ROWS = 50_000;

export interface ParsedCsv {
  learners: LearnerInput[];
  /** Per learner: its row, and the column each of its identities came from. */
  origins: Array<{ row: number; identityColumns: string[] }>;
  problems: ValidationProblem[];
}

/** Parses and checks a learners CSV. `learners` is complete only when `problems` is empty. */
export function parseLearnersCsv(text: string): ParsedCsv {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true }) as string[][];
  } catch (err) {
    const e = err as { message?: string; records?: number };
    const row = typeof e.records === 'number' ? `row ${e.records + 1}` : 'file';
    return { learners: [], origins: [], problems: [{ path: row, message: `is not valid CSV: ${e.message ?? 'parse error'}` }] };
  }
  const header = records[0];
  if (header === undefined) return { learners: [], origins: [], problems: [{ path: 'file', message: 'is empty; it needs a header row and one row per learner' }] };
  const problems = checkHeader(header);
  if (problems.length > 0) return { learners: [], origins: [], problems };
  if (records.length - 1 > CSV_MAX_ROWS) return { learners: [], origins: [], problems: [{ path: 'file', message: `has ${records.length - 1} rows; at most ${CSV_MAX_ROWS} are taken at once` }] };

  const learners: LearnerInput[] = [];
  const origins: ParsedCsv['origins'] = [];
  const rowOfLearner = new Map<string, number>();
  const rowOfIdentity = new Map<string, { row: number; column: string }>();
  records.slice(1).forEach((cells, i) => {
    const row = i + 2;
    const { body, columnOf, rowProblems } = rowToBody(header, cells);
    const locate = (path: string) => `row ${row}, column ${columnOf(path)}`;
    for (const p of rowProblems) problems.push({ path: `row ${row}, column ${p.path}`, message: p.message });
    const learnerId = body.learnerId as string | undefined;
    if (learnerId === undefined) {
      problems.push({ path: `row ${row}, column learnerId`, message: 'is required' });
      return;
    }
    const parsed = parseLearnerBody(body, { learnerId, locate });
    // A row without any identity already has its own problem above.
    problems.push(...parsed.problems.filter((p) => !(rowProblems.length > 0 && p.path === locate('identities'))));
    const earlier = rowOfLearner.get(learnerId);
    if (earlier !== undefined) problems.push({ path: `row ${row}, column learnerId`, message: `${JSON.stringify(learnerId)} is also on row ${earlier}` });
    else rowOfLearner.set(learnerId, row);
    // Identities are compared across rows even when their row has other problems.
    const identityColumns: string[] = [];
    (body.identities as unknown[]).forEach((agent, k) => {
      const key = checkAgent(agent, '').key;
      const column = columnOf(`identities[${k}]`);
      identityColumns.push(column);
      if (key === undefined) return;
      const other = rowOfIdentity.get(key);
      if (other !== undefined && other.row !== row) problems.push({ path: `row ${row}, column ${column}`, message: `is the same agent as row ${other.row}, column ${other.column}` });
      else if (other === undefined) rowOfIdentity.set(key, { row, column });
    });
    if (!parsed.input || earlier !== undefined || rowProblems.length > 0) return;
    learners.push(parsed.input);
    origins.push({ row, identityColumns });
  });
  return { learners, origins, problems };
}

function checkHeader(header: string[]): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const seen = new Set<string>();
  header.forEach((name) => {
    if (!CSV_COLUMNS.includes(name)) problems.push({ path: `row 1, column ${name || '(empty)'}`, message: `is not a known column (known: ${CSV_COLUMNS.join(', ')})` });
    else if (seen.has(name) && !(IDENTITY_COLUMNS as readonly string[]).includes(name)) problems.push({ path: `row 1, column ${name}`, message: 'appears twice' });
    seen.add(name);
  });
  if (!header.includes('learnerId')) problems.push({ path: 'row 1, column learnerId', message: 'is required' });
  const homePages = header.filter((h) => h === 'account_homePage').length;
  const names = header.filter((h) => h === 'account_name').length;
  if (homePages !== names) problems.push({ path: 'row 1, column account_homePage', message: 'account_homePage and account_name columns come in pairs' });
  return problems;
}

/**
 * A row as a learner body (empty cells are absent), and where each body path came from.
 * The n-th account_homePage pairs with the n-th account_name.
 */
function rowToBody(header: string[], cells: string[]): { body: Record<string, unknown>; columnOf: (path: string) => string; rowProblems: ValidationProblem[] } {
  const body: Record<string, unknown> = {};
  const rowProblems: ValidationProblem[] = [];
  const identities: Record<string, unknown>[] = [];
  const identityColumns: string[] = [];
  const homePages: string[] = [];
  const accountNames: string[] = [];
  header.forEach((name, c) => {
    const value = cells[c] ?? '';
    if (name === 'account_homePage') homePages.push(value);
    else if (name === 'account_name') accountNames.push(value);
    else if (value === '') return;
    else if ((IDENTITY_COLUMNS as readonly string[]).includes(name)) {
      identities.push({ objectType: 'Agent', [name]: value });
      identityColumns.push(name);
    } else body[name] = value;
  });
  homePages.forEach((homePage, n) => {
    const accountName = accountNames[n] ?? '';
    if (homePage === '' && accountName === '') return;
    if (homePage === '' || accountName === '') {
      rowProblems.push({ path: homePage === '' ? 'account_homePage' : 'account_name', message: `is empty while ${homePage === '' ? 'account_name' : 'account_homePage'} is given; an account needs both` });
      return;
    }
    identities.push({ objectType: 'Agent', account: { homePage, name: accountName } });
    identityColumns.push('account_homePage/account_name');
  });
  if (identities.length === 0 && rowProblems.length === 0) {
    rowProblems.push({ path: 'mbox', message: 'no identity: give at least one of mbox, openid, mbox_sha1sum, or account_homePage with account_name' });
  }
  body.identities = identities;
  const columnOf = (path: string): string => {
    const m = /^identities\[(\d+)\](.*)$/.exec(path);
    if (m) {
      const column = identityColumns[Number(m[1])] ?? 'identities';
      if (column.includes('/')) return m[2]?.includes('homePage') ? 'account_homePage' : m[2]?.includes('.name') ? 'account_name' : column;
      return column;
    }
    if (path === 'identities') return IDENTITY_COLUMNS.join(' / ');
    return path.split(/[.[]/)[0] || 'learnerId';
  };
  return { body, columnOf, rowProblems };
}
