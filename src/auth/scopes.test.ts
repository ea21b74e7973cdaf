import { grants } from './scopes';

describe('grants', () => {
  it.each([
    [['all'], 'statements/write', 'write', true],
    [['all/read'], 'statements/read', 'read', true],
    [['all/read'], 'statements/write', 'write', false],
    [['statements/read/mine'], 'statements/read', 'read', true],
    [['statements/write'], 'statements/read', 'read', false],
    [['state'], 'profile', 'write', false],
    [['competency/admin'], 'competency/read', 'read', true],
    [['competency/write'], 'competency/admin', 'write', false],
    [['competency/read'], 'competency/write', 'write', false],
    [['state'], 'metadata', 'read', true],
  ] as const)('scopes %j for %s (%s) → %s', (scopes, need, mode, ok) => {
    expect(grants(scopes, need, mode).ok).toBe(ok);
  });

  it('limits statements/read/mine to the caller\'s own statements', () => {
    expect(grants(['statements/read/mine'], 'statements/read', 'read').mineOnly).toBe(true);
    expect(grants(['statements/read', 'statements/read/mine'], 'statements/read', 'read').mineOnly).toBe(false);
  });
});
