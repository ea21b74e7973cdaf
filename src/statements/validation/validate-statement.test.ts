import type { XapiLine } from '../../xapi/xapi-version';
import {
  cmi5CompletedStatement,
  minimalStatement,
  statementWith,
  statementWithContextAgents,
} from './statement-fixtures';
import { validateStatement, validateStatementBatch } from './validate-statement';

const LINES: XapiLine[] = ['1.0', '2.0'];
const SHA256 = '495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a';
const ATTACHMENT = {
  usageType: 'http://adlnet.gov/expapi/attachments/signature',
  display: { 'en-US': 'Signature' },
  contentType: 'text/plain; charset=ascii',
  length: 27,
  sha2: SHA256,
};

describe.each(LINES)('validateStatement on the %s line', (line) => {
  const problems = (statement: unknown) => validateStatement(statement, { line });

  it('accepts the smallest statement (actor, verb, object)', () => {
    expect(problems(minimalStatement())).toEqual([]);
  });

  it('accepts a realistic cmi5 "completed" statement', () => {
    expect(problems(cmi5CompletedStatement())).toEqual([]);
  });

  it.each(['actor', 'verb', 'object'])('rejects a statement without %s', (key) => {
    const statement = minimalStatement();
    delete statement[key];
    expect(problems(statement)).toEqual([{ path: key, message: 'is required' }]);
  });

  it.each([
    ['an unknown property', { extra: true }, 'extra'],
    ['a property in the wrong case', { Actor: { mbox: 'mailto:a@example.com' } }, 'Actor'],
  ])('rejects %s at the top level', (_name, patch, path) => {
    expect(problems(statementWith(patch))).toEqual([{ path, message: 'is not allowed' }]);
  });

  it('rejects something that is not an object', () => {
    expect(problems('{"actor": {}}')).toEqual([{ path: '', message: 'must be a Statement object' }]);
  });

  it('accepts ids in lower- or uppercase hex, of any UUID version', () => {
    expect(problems(statementWith({ id: 'AA97B177-9383-4934-8543-0F91A7A02836' }))).toEqual([]);
    expect(problems(statementWith({ id: '2a41c918-b88b-1220-20a5-a4c32391a240' }))).toEqual([]);
  });

  it.each([
    ['too many digits', 'AA97B177-9383-4934-8543-0F91A7A028368'],
    ['a letter beyond f', 'MA97B177-9383-4934-8543-0F91A7A02836'],
    ['a urn: prefix', 'urn:uuid:2a41c918-b88b-4220-a0a5-a4c32391a240'],
  ])('rejects an id with %s', (_name, id) => {
    expect(problems(statementWith({ id }))).toEqual([{ path: 'id', message: 'must be a UUID' }]);
  });

  it('rejects a numeric id as the wrong type', () => {
    expect(problems(statementWith({ id: 12345 }))).toEqual([{ path: 'id', message: 'must be a string' }]);
  });

  it('rejects null anywhere outside extensions', () => {
    expect(problems(statementWith({ result: { response: null } }))).toEqual([
      { path: 'result.response', message: 'must not be null' },
    ]);
  });

  it('reports every problem, not just the first', () => {
    const statement = statementWith({ id: 'nope', verb: { id: 'not an iri' }, timestamp: 'yesterday' });
    expect(problems(statement).map((p) => p.path)).toEqual(['id', 'timestamp', 'verb.id']);
  });

  it('requires the voided verb to have a StatementRef object', () => {
    const verb = { id: 'http://adlnet.gov/expapi/verbs/voided' };
    expect(problems(statementWith({ verb }))).toEqual([
      { path: 'object', message: 'must be a StatementRef when the verb is http://adlnet.gov/expapi/verbs/voided' },
    ]);
    const object = { objectType: 'StatementRef', id: 'e05aa883-acaf-40ad-bf54-02c8ce485fb0' };
    expect(problems(statementWith({ verb, object }))).toEqual([]);
  });

  it('rejects a verb display that is not a language map', () => {
    const verb = { id: 'http://example.com/verbs/visited', display: { something: 'besucht' } };
    expect(problems(statementWith({ verb }))).toEqual([
      { path: 'verb.display', message: 'key "something" is not an RFC 5646 language tag' },
    ]);
  });

  describe('authority', () => {
    const member = [{ mbox: 'mailto:app@example.com' }, { account: { homePage: 'https://lrs.example.com', name: 'u1' } }];

    it('accepts an Agent or an anonymous Group of two Agents (3-legged OAuth)', () => {
      expect(problems(statementWith({ authority: { mbox: 'mailto:lrs@example.com' } }))).toEqual([]);
      expect(problems(statementWith({ authority: { objectType: 'Group', member } }))).toEqual([]);
    });

    it('rejects a Group with other than two members', () => {
      const authority = { objectType: 'Group', member: [...member, { mbox: 'mailto:x@example.com' }] };
      expect(problems(statementWith({ authority }))).toEqual([
        { path: 'authority.member', message: 'must list exactly two Agents (the OAuth application and the user) in an authority Group' },
      ]);
    });

    it('rejects an identified Group', () => {
      const authority = { objectType: 'Group', openid: 'http://openid.example.org/12345', member };
      expect(problems(statementWith({ authority }))).toEqual([
        { path: 'authority', message: 'must be an anonymous Group (no mbox, mbox_sha1sum, openid or account) when it is a Group' },
      ]);
    });
  });

  describe('attachments', () => {
    it('accepts a complete attachment with fileUrl', () => {
      const attachments = [{ ...ATTACHMENT, description: { 'es-MX': 'Firma' }, fileUrl: 'http://over.there.com/file.txt' }];
      expect(problems(statementWith({ attachments }))).toEqual([]);
    });

    it('requires usageType, display, contentType, length and sha2', () => {
      expect(problems(statementWith({ attachments: [{}] })).map((p) => p.path)).toEqual([
        'attachments[0].contentType', 'attachments[0].display', 'attachments[0].length',
        'attachments[0].sha2', 'attachments[0].usageType',
      ]);
    });

    it.each([
      ['usageType', 'signature', 'must be an absolute IRI'],
      ['contentType', 'plain text', 'must be an Internet media type such as application/pdf'],
      ['length', -1, 'must be at least 0'],
      ['length', 2.5, 'must be an integer'],
      ['sha2', 'abc123', 'must be a SHA-2 hash in hex (SHA-224, SHA-256, SHA-384 or SHA-512)'],
      ['fileUrl', '/files/a.txt', 'must be an absolute IRL (URL)'],
    ])('rejects an attachment whose %s is %p', (key, value, message) => {
      const attachments = [{ ...ATTACHMENT, [key]: value }];
      expect(problems(statementWith({ attachments }))).toEqual([{ path: `attachments[0].${key}`, message }]);
    });
  });
});

describe('differences between the 1.0 and 2.0 lines', () => {
  it('accepts contextAgents and contextGroups on 2.0 and rejects them on 1.0', () => {
    const statement = { ...statementWithContextAgents(), version: '1.0.3' };
    expect(validateStatement(statement, { line: '2.0' })).toEqual([]);
    expect(validateStatement(statement, { line: '1.0' })).toEqual([
      { path: 'context.contextAgents', message: 'is only allowed in xAPI 2.0 (this request is xAPI 1.0.3)' },
      { path: 'context.contextGroups', message: 'is only allowed in xAPI 2.0 (this request is xAPI 1.0.3)' },
    ]);
  });

  it.each([
    ['1.0', '1.0'],
    ['1.0', '1.0.3'],
    ['2.0', '2.0'],
    ['2.0', '2.0.0'],
    ['2.0', '1.0.3'],
  ] as const)('on the %s line accepts version %p', (line, version) => {
    expect(validateStatement(statementWith({ version }), { line })).toEqual([]);
  });

  it.each([
    ['1.0', '2.0.0', 'must be 1.0 or 1.0.x for xAPI 1.0.3'],
    ['1.0', 'should fail', 'must be 1.0 or 1.0.x for xAPI 1.0.3'],
    ['2.0', '2.1.0', 'must be 1.0.x or 2.0.x'],
    ['2.0', '0.9.5', 'must be 1.0.x or 2.0.x'],
    ['2.0', '2.0.0-beta', 'must be 1.0.x or 2.0.x'],
  ] as const)('on the %s line rejects version %p', (line, version, message) => {
    expect(validateStatement(statementWith({ version }), { line })).toEqual([{ path: 'version', message }]);
  });
});

describe('validateStatementBatch', () => {
  it('prefixes paths with statements[i] for an array', () => {
    const bad = statementWith({ actor: { mbox: 'ana@example.com' } });
    expect(validateStatementBatch([minimalStatement(), minimalStatement(), bad], { line: '2.0' })).toEqual([
      { path: 'statements[2].actor.mbox', message: 'must be a mailto IRI' },
    ]);
  });

  it('reports paths from the statement root for a single statement', () => {
    const bad = statementWith({ actor: { mbox: 'ana@example.com' } });
    expect(validateStatementBatch(bad, { line: '1.0' })).toEqual([{ path: 'actor.mbox', message: 'must be a mailto IRI' }]);
  });

  it('reports a batch item that is not an object at its index', () => {
    expect(validateStatementBatch([minimalStatement(), 7], { line: '1.0' })).toEqual([
      { path: 'statements[1]', message: 'must be a Statement object' },
    ]);
  });

  it('rejects a body that is neither a statement nor an array', () => {
    expect(validateStatementBatch('hello', { line: '2.0' })).toEqual([
      { path: '', message: 'must be a Statement object or an array of Statements' },
    ]);
  });

  it('rejects a batch that uses one id twice, whatever the case of its hex digits', () => {
    const id = 'e05aa883-acaf-40ad-bf54-02c8ce485fb0';
    const batch = [statementWith({ id }), minimalStatement(), statementWith({ id: id.toUpperCase() })];
    expect(validateStatementBatch(batch, { line: '1.0' })).toEqual([
      { path: 'statements[2].id', message: 'must be unique in the batch; statements[0] has the same id' },
    ]);
  });

  it('accepts a batch of valid statements', () => {
    expect(validateStatementBatch([cmi5CompletedStatement(), minimalStatement()], { line: '2.0' })).toEqual([]);
  });
});
