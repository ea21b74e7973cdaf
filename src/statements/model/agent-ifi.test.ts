import { ifiPropertyOf, matchKeysOf, normalizeMbox } from './agent-ifi';

describe('normalizeMbox', () => {
  it.each([
    ['mailto:ann@example.com', 'mailto:ann@example.com'],
    ['MAILTO:ann@EXAMPLE.com', 'mailto:ann@example.com'],
    ['mailto:Ann.Lee@Example.COM', 'mailto:Ann.Lee@example.com'],
    ['mailto:"odd@local"@Example.com', 'mailto:"odd@local"@example.com'],
    ['mailto:no-at-sign', 'mailto:no-at-sign'],
    ['not an iri', 'not an iri'],
  ])('reads %j as %j: scheme and domain lower-cased, local part kept', (mbox, expected) => {
    expect(normalizeMbox(mbox)).toBe(expected);
  });
});

describe('ifiPropertyOf', () => {
  it('keeps only the identifier, as sent', () => {
    expect(ifiPropertyOf({ objectType: 'Agent', name: 'Ann', mbox: 'MAILTO:ann@x.org' })).toEqual({ mbox: 'MAILTO:ann@x.org' });
    expect(ifiPropertyOf({ name: 'Bob', account: { homePage: 'http://x.org', name: 'bob' } })).toEqual({
      account: { homePage: 'http://x.org', name: 'bob' },
    });
  });

  it('finds nothing in an Anonymous Group or an identifier of the wrong type', () => {
    expect(ifiPropertyOf({ objectType: 'Group', member: [{ mbox: 'mailto:a@x.org' }] })).toBeUndefined();
    expect(ifiPropertyOf({ mbox: 42, account: 'x' })).toBeUndefined();
  });
});

describe('matchKeysOf', () => {
  it("lists a Group's own identifier and its members'", () => {
    expect(matchKeysOf({ objectType: 'Group', openid: 'http://g.example.org/', member: [{ mbox: 'mailto:a@x.org' }, { name: 'no ifi' }] })).toEqual([
      'openid:http://g.example.org/',
      'mbox:mailto:a@x.org',
    ]);
  });

  it('ignores members listed on something that is not a Group', () => {
    expect(matchKeysOf({ mbox: 'mailto:a@x.org', member: [{ mbox: 'mailto:b@x.org' }] })).toEqual(['mbox:mailto:a@x.org']);
    expect(matchKeysOf(undefined)).toEqual([]);
  });
});
