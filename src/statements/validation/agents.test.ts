import type { XapiLine } from '../../xapi/xapi-version';
import { statementWith } from './statement-fixtures';
import { validateStatement } from './validate-statement';

const LINES: XapiLine[] = ['1.0', '2.0'];
const IFI_MESSAGE = 'an Agent must have exactly one of mbox, mbox_sha1sum, openid, account';
const ACCOUNT = { homePage: 'https://lms.example.com', name: 'ana' };

describe.each(LINES)('Agents and Groups on the %s line', (line) => {
  const actorProblems = (actor: unknown) => validateStatement(statementWith({ actor }), { line });

  it.each([
    ['mbox', { mbox: 'mailto:ana@example.com' }],
    ['mbox_sha1sum', { mbox_sha1sum: 'cd9b00a5611f94eaa7b1661edab976068e364975' }],
    ['openid', { openid: 'http://openid.example.org/12345' }],
    ['account', { account: ACCOUNT }],
  ])('accepts an Agent identified by %s, with or without objectType and name', (_ifi, ifi) => {
    expect(actorProblems(ifi)).toEqual([]);
    expect(actorProblems({ objectType: 'Agent', name: 'Ana', ...ifi })).toEqual([]);
  });

  it('rejects an Agent without any identifier, with one plain message', () => {
    expect(actorProblems({ objectType: 'Agent', name: 'Ana' })).toEqual([{ path: 'actor', message: IFI_MESSAGE }]);
  });

  it('rejects an Agent with two identifiers', () => {
    const actor = { mbox: 'mailto:ana@example.com', account: ACCOUNT };
    expect(actorProblems(actor)).toEqual([{ path: 'actor', message: IFI_MESSAGE }]);
  });

  it.each([
    ['mbox', 'ana@example.com', 'must be a mailto IRI'],
    ['mbox', 'mailto:', 'must be a mailto IRI'],
    ['mbox', '', 'must be a mailto IRI'],
    ['mbox_sha1sum', 'cd9b00a5611f94eaa7b1661edab976068e36497', 'must be a SHA-1 hash (40 hex digits)'],
    ['openid', 'openid.example.org/12345', 'must be an absolute IRI'],
  ])('rejects an Agent whose %s is %p', (key, value, message) => {
    expect(actorProblems({ [key]: value })).toEqual([{ path: `actor.${key}`, message }]);
  });

  it('requires both homePage and name in an account', () => {
    expect(actorProblems({ account: { name: 'ana' } })).toEqual([{ path: 'actor.account.homePage', message: 'is required' }]);
    expect(actorProblems({ account: { homePage: 'https://lms.example.com' } })).toEqual([
      { path: 'actor.account.name', message: 'is required' },
    ]);
  });

  it('rejects an account whose homePage is not an IRL or whose name is not a string', () => {
    expect(actorProblems({ account: { homePage: 'lms', name: { key: 'x' } } })).toEqual([
      { path: 'actor.account.homePage', message: 'must be an absolute IRL (URL)' },
      { path: 'actor.account.name', message: 'must be a string' },
    ]);
  });

  it('rejects an objectType in the wrong case, and nothing else about that object', () => {
    expect(actorProblems({ objectType: 'agent', foo: 1 })).toEqual([
      { path: 'actor.objectType', message: 'must be one of "Agent", "Group"' },
    ]);
  });

  it('rejects unknown Agent properties', () => {
    expect(actorProblems({ mbox: 'mailto:ana@example.com', email: 'ana@example.com' })).toEqual([
      { path: 'actor.email', message: 'is not allowed' },
    ]);
  });

  it('accepts an identified Group with or without members', () => {
    expect(actorProblems({ objectType: 'Group', account: ACCOUNT })).toEqual([]);
    expect(actorProblems({ objectType: 'Group', openid: 'http://openid.example.org/g', member: [{ mbox: 'mailto:a@example.com' }] })).toEqual([]);
  });

  it('accepts an anonymous Group that lists its members', () => {
    const member = [{ mbox: 'mailto:a@example.com' }, { objectType: 'Agent', account: ACCOUNT }];
    expect(actorProblems({ objectType: 'Group', name: 'Pair', member })).toEqual([]);
  });

  it('rejects an anonymous Group without members', () => {
    expect(actorProblems({ objectType: 'Group', name: 'Nobody' })).toEqual([
      { path: 'actor.member', message: 'an anonymous Group (one without mbox, mbox_sha1sum, openid or account) must have member' },
    ]);
    expect(actorProblems({ objectType: 'Group', member: [] })).toEqual([
      { path: 'actor.member', message: 'an anonymous Group must have at least one member' },
    ]);
  });

  it('rejects a Group with two identifiers', () => {
    expect(actorProblems({ objectType: 'Group', mbox: 'mailto:g@example.com', account: ACCOUNT })).toEqual([
      { path: 'actor', message: 'a Group may have at most one of mbox, mbox_sha1sum, openid, account' },
    ]);
  });

  it('rejects a Group nested as a member', () => {
    const nested = { objectType: 'Group', member: [{ mbox: 'mailto:a@example.com' }] };
    expect(actorProblems({ objectType: 'Group', account: ACCOUNT, member: [nested] })).toEqual([
      { path: 'actor.member[0].objectType', message: 'must be "Agent": a Group\'s members are Agents, Groups cannot be nested' },
    ]);
  });

  it('checks each member as an Agent', () => {
    const member = [{ mbox: 'mailto:a@example.com' }, { name: 'No id' }];
    expect(actorProblems({ objectType: 'Group', member })).toEqual([{ path: 'actor.member[1]', message: IFI_MESSAGE }]);
  });

  it('requires objectType on an Agent used as the object', () => {
    const object = { objectType: 'Agent', mbox: 'mailto:bo@example.com' };
    expect(validateStatement(statementWith({ object }), { line })).toEqual([]);
    // Without objectType the object is an Activity, which has no mbox and needs an id.
    expect(validateStatement(statementWith({ object: { mbox: 'mailto:bo@example.com' } }), { line })).toEqual([
      { path: 'object.id', message: 'is required' },
      { path: 'object.mbox', message: 'is not allowed' },
    ]);
  });

  it('checks a Group used as the object like an actor Group', () => {
    const object = { objectType: 'Group', name: 'Nobody' };
    expect(validateStatement(statementWith({ object }), { line })).toEqual([
      { path: 'object.member', message: 'an anonymous Group (one without mbox, mbox_sha1sum, openid or account) must have member' },
    ]);
  });
});
