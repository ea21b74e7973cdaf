import { XAPI_FORMATS } from './formats';
import { isLanguageTag } from './language-tag';
import { statementWith } from './statement-fixtures';
import { timestampProblem } from './timestamp-format';
import { validateStatement } from './validate-statement';

const NO_ZONE = 'must include a time zone (Z or an offset such as +02:00)';
const NOT_REAL = 'must be a real calendar date and time';
const MALFORMED = 'must be an ISO 8601 date and time with a time zone, e.g. 2024-05-01T12:30:00.000Z';

describe('timestamps', () => {
  it.each([
    '2024-05-01T12:30:00Z',
    '2024-05-01T12:30:00.123456Z',
    '2024-05-01T12:30Z',
    '2024-05-01T14:30:00+02:00',
    '2024-05-01T07:30:00-0500',
    '2024-05-01T12:30:00+00:00',
    '2024-02-29T00:00:00Z',
  ])('accepts %s on both lines', (value) => {
    expect(timestampProblem(value, '1.0')).toBeUndefined();
    expect(timestampProblem(value, '2.0')).toBeUndefined();
  });

  it.each(['2008-09-15 15:53:00.601+00:00', '2008-09-15t15:53:00.601z'])(
    'accepts the RFC 3339 form %s on 2.0 only',
    (value) => {
      expect(timestampProblem(value, '2.0')).toBeUndefined();
      expect(timestampProblem(value, '1.0')).toBeDefined();
    },
  );

  it.each([
    ['2008-09-15T15:53:00.601-00:00', 'must not use the offset -00:00; write UTC as Z or +00:00'],
    ['2008-09-15T15:53:00.601-0000', 'must not use the offset -0000; write UTC as Z or +00:00'],
    ['2008-09-15T15:53:00.601-00', 'must not use the offset -00; write UTC as Z or +00:00'],
    ['2024-05-01T12:30:00', NO_ZONE],
    ['2024-13-45T00:00:00Z', NOT_REAL],
    ['2023-02-29T00:00:00Z', NOT_REAL],
    ['2024-05-01T24:00:00Z', NOT_REAL],
    ['2024-05-01T12:30:60Z', NOT_REAL],
    ['2024-05-01T12:30:00+24:00', NOT_REAL],
    ['01/011/2015', MALFORMED],
    ['should fail', MALFORMED],
    ['2024-05-01', MALFORMED],
  ])('rejects %s on both lines', (value, message) => {
    expect(timestampProblem(value, '1.0')).toBe(message);
    expect(timestampProblem(value, '2.0')).toBe(message);
  });

  it('reports timestamp and stored problems at their paths, in statements and SubStatements', () => {
    const object = {
      objectType: 'SubStatement',
      actor: { mbox: 'mailto:a@example.com' },
      verb: { id: 'http://example.com/planned' },
      object: { id: 'http://example.com/a' },
      timestamp: '2024-05-01T12:30:00-00:00',
    };
    const statement = statementWith({ timestamp: '2024-13-45T00:00:00Z', stored: '2024-05-01T12:30:00', object });
    expect(validateStatement(statement, { line: '1.0' })).toEqual([
      { path: 'object.timestamp', message: 'must not use the offset -00:00; write UTC as Z or +00:00' },
      { path: 'stored', message: NO_ZONE },
      { path: 'timestamp', message: NOT_REAL },
    ]);
  });

  it('explains a 2.0-only form when it arrives on the 1.0 line', () => {
    const statement = statementWith({ timestamp: '2008-09-15 15:53:00.601+00:00' });
    expect(validateStatement(statement, { line: '1.0' })).toEqual([
      { path: 'timestamp', message: 'must separate date and time with "T" in xAPI 1.0.3, e.g. 2024-05-01T12:30:00.000Z' },
    ]);
    expect(validateStatement(statement, { line: '2.0' })).toEqual([]);
  });
});

describe('language tags (RFC 5646)', () => {
  it.each(['en', 'de', 'en-US', 'es-419', 'zh-Hant-TW', 'zh-Hans-CN', 'sr-Latn-RS', 'und', 'cmn', 'ase', 'fr-CA', 'de-CH-1901', 'en-a-bbb-x-a-ccc', 'x-private', 'i-klingon', 'zh-min-nan'])(
    'accepts %s',
    (tag) => expect(isLanguageTag(tag)).toBe(true),
  );

  it.each(['something', 'a12345', 'e', 'en_US', 'en-', '-en', 'en--US', 'zh-z-aaa-z-bbb-c-ccc', 'de-1901-1901', 'en-US-x', ''])(
    'rejects %p',
    (tag) => expect(isLanguageTag(tag)).toBe(false),
  );
});

describe('durations (ISO 8601 §4.4.3.2)', () => {
  const check = XAPI_FORMATS['xapi-duration']?.check ?? (() => 'missing format');

  it.each(['PT1H0M0.1S', 'PT4H35M59.14S', 'PT16559.14S', 'P3Y1M29DT4H35M59.14S', 'P3Y', 'P4W', 'P0D', 'PT0.5H'])('accepts %s', (value) => {
    expect(check(value)).toBeUndefined();
  });

  it.each(['PA1H0M0S', 'P4W1D', 'P', 'PT', 'P1YT', '1H', 'PT1.5H30M', 'P1Y2M3DT', '-PT1H'])('rejects %s', (value) => {
    expect(check(value)).toBe('must be an ISO 8601 duration such as PT1H30M or P4W');
  });
});

describe('IRIs and other string formats', () => {
  const format = (name: string) => XAPI_FORMATS[name]?.check ?? (() => 'missing format');

  it.each(['http://example.com/verbs/completed', 'https://example.com/a?b=c#d', 'urn:isbn:0451450523', 'tag:example.com,2024:x', 'http://example.com/فعل/خواندن', 'http://example.com/a%20b'])(
    'accepts the absolute IRI %s',
    (value) => expect(format('xapi-iri')(value)).toBeUndefined(),
  );

  it.each(['not an iri', 'abc', '/relative/path', '#fragment', 'http://example.com/a b', 'http:', 'http://example.com/%zz', 'http://example.com/\u0007', ''])(
    'rejects %p as an IRI',
    (value) => expect(format('xapi-iri')(value)).toBe('must be an absolute IRI'),
  );

  it.each([
    ['xapi-mailto-iri', 'mailto:ana@example.com', 'mailto:ana@@example.com'],
    ['xapi-uuid', 'AA97B177-9383-4934-8543-0F91A7A02836', 'AA97B177938349348543-0F91A7A02836'],
    ['xapi-sha1', 'CD9B00A5611F94EAA7B1661EDAB976068E364975', 'cd9b00a5611f94eaa7b1661edab976068e36497g'],
    ['xapi-media-type', 'application/vnd.api+json; charset="utf-8"', 'application'],
  ])('%s accepts %p and rejects %p', (name, good, bad) => {
    expect(format(name)(good)).toBeUndefined();
    expect(format(name)(bad)).toBeDefined();
  });
});
