import fc from 'fast-check';
import type { XapiLine } from '../../xapi/xapi-version';
import { minimalStatement, statementWith } from './statement-fixtures';
import { validateStatement, validateStatementBatch } from './validate-statement';

const line = fc.constantFrom<XapiLine>('1.0', '2.0');
const STATEMENT_KEYS = ['id', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'stored', 'authority', 'version', 'attachments'];

const hex = (length: number) =>
  fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: length, maxLength: length }).map((c) => c.join(''));
const word = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
const domain = fc.tuple(word, fc.constantFrom('com', 'org', 'edu', 'io')).map(([name, tld]) => `${name}.${tld}`);
const iri = fc.tuple(fc.constantFrom('http', 'https'), domain, fc.array(word, { maxLength: 3 }))
  .map(([scheme, host, path]) => `${scheme}://${host}/${path.join('/')}`);

/** Each inverse functional identifier, as an object with that one key. */
const ifi = fc.oneof(
  fc.tuple(word, domain).map(([user, host]) => ({ mbox: `mailto:${user}@${host}` })),
  hex(40).map((sum) => ({ mbox_sha1sum: sum })),
  iri.map((openid) => ({ openid })),
  fc.record({ homePage: iri, name: fc.string() }).map((account) => ({ account })),
);

const validAgent = fc
  .tuple(ifi, fc.option(fc.string(), { nil: undefined }), fc.boolean())
  .map(([id, name, typed]) => ({
    ...(typed ? { objectType: 'Agent' } : {}),
    ...(name === undefined ? {} : { name }),
    ...id,
  }));

describe('validation properties', () => {
  it('accepts every well-formed Agent as actor, instructor and Group member', () => {
    fc.assert(
      fc.property(line, validAgent, fc.array(validAgent, { minLength: 1, maxLength: 4 }), (l, agent, members) => {
        const statement = statementWith({
          actor: agent,
          context: { instructor: agent, team: { objectType: 'Group', member: members } },
        });
        expect(validateStatement(statement, { line: l })).toEqual([]);
      }),
    );
  });

  it('rejects every Agent that carries two identifiers, with the one IFI message', () => {
    fc.assert(
      fc.property(line, ifi, ifi, (l, first, second) => {
        fc.pre(Object.keys(first)[0] !== Object.keys(second)[0]);
        expect(validateStatement(statementWith({ actor: { ...first, ...second } }), { line: l })).toEqual([
          { path: 'actor', message: 'an Agent must have exactly one of mbox, mbox_sha1sum, openid, account' },
        ]);
      }),
    );
  });

  it('rejects any statement with an extra top-level key, naming exactly that key', () => {
    const extraKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/).filter((k) => !STATEMENT_KEYS.includes(k));
    fc.assert(
      fc.property(line, extraKey, fc.jsonValue(), (l, key, value) => {
        expect(validateStatement({ ...minimalStatement(), [key]: value }, { line: l })).toEqual([
          { path: key, message: 'is not allowed' },
        ]);
      }),
    );
  });

  it('accepts any instant written by Date#toISOString and rejects it with a -00:00 offset', () => {
    const instant = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(line, instant, (l, date) => {
        const timestamp = date.toISOString();
        expect(validateStatement(statementWith({ timestamp }), { line: l })).toEqual([]);
        const unknownOffset = timestamp.replace('Z', '-00:00');
        expect(validateStatement(statementWith({ timestamp: unknownOffset }), { line: l })).toEqual([
          { path: 'timestamp', message: 'must not use the offset -00:00; write UTC as Z or +00:00' },
        ]);
      }),
    );
  });

  it('never throws on arbitrary JSON and always explains a rejection with a path and a message', () => {
    fc.assert(
      fc.property(line, fc.jsonValue(), (l, input) => {
        const problems = validateStatementBatch(input, { line: l });
        for (const problem of problems) {
          expect(typeof problem.path).toBe('string');
          expect(problem.message.length).toBeGreaterThan(0);
        }
        if (input === null || typeof input !== 'object') expect(problems).not.toEqual([]);
      }),
    );
  });

  it('locates a broken statement in a batch by its index', () => {
    fc.assert(
      fc.property(line, fc.nat({ max: 6 }), fc.nat({ max: 6 }), (l, before, after) => {
        const broken = statementWith({ verb: { id: 'completed' } });
        const batch = [
          ...Array.from({ length: before }, minimalStatement),
          broken,
          ...Array.from({ length: after }, minimalStatement),
        ];
        expect(validateStatementBatch(batch, { line: l })).toEqual([
          { path: `statements[${before}].verb.id`, message: 'must be an absolute IRI' },
        ]);
      }),
    );
  });
});
