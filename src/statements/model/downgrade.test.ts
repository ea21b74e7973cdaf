import { downgradeForLine } from './downgrade';
import type { Statement } from './statement-types';

const actor = { mbox: 'mailto:ann@example.com' };
const verb = { id: 'http://adlnet.gov/expapi/verbs/attended' };
const object = { id: 'http://example.com/meeting' };
const contextAgents = [{ objectType: 'contextAgent', agent: { mbox: 'mailto:eve@example.com' } }];
const contextGroups = [{ objectType: 'contextGroup', group: { objectType: 'Group', member: [actor] } }];

const v2: Statement = {
  id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
  actor,
  verb,
  object,
  context: { registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7', contextAgents, contextGroups },
  timestamp: '2024-05-01T12:00:00.000+02:00',
  stored: '2024-05-01T10:00:00.000Z',
  version: '2.0.0',
};

describe('downgradeForLine', () => {
  it('returns statements unchanged to 2.0 requests', () => {
    expect(downgradeForLine(v2, '2.0')).toBe(v2);
  });

  it('removes 2.0-only context properties and sets version 1.0.0 for 1.0 requests', () => {
    expect(downgradeForLine(v2, '1.0')).toEqual({
      ...v2,
      context: { registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7' },
      version: '1.0.0',
    });
  });

  it('removes a context that held only 2.0 properties, but keeps one sent empty', () => {
    expect(downgradeForLine({ ...v2, context: { contextAgents } }, '1.0')).not.toHaveProperty('context');
    const emptyContext = { actor, verb, object, context: {}, version: '1.0.0' };
    expect(downgradeForLine(emptyContext, '1.0')).toBe(emptyContext);
  });

  it('downgrades a SubStatement context too', () => {
    const sub = { objectType: 'SubStatement', actor, verb, object, context: { contextGroups, platform: 'web' } };
    expect(downgradeForLine({ ...v2, object: sub }, '1.0').object).toEqual({ ...sub, context: { platform: 'web' } });
  });

  it('rewrites RFC 3339 timestamps that ISO 8601 readers may refuse, and leaves ISO 8601 ones as sent', () => {
    const out = downgradeForLine({ ...v2, timestamp: '2024-05-01 12:00:00.5+02:00', stored: '2024-05-01t10:00:00z' }, '1.0');
    expect(out.timestamp).toBe('2024-05-01T10:00:00.500Z');
    expect(out.stored).toBe('2024-05-01T10:00:00.000Z');
    expect(downgradeForLine(v2, '1.0').timestamp).toBe(v2.timestamp);
  });

  it('returns a 1.0 statement to a 1.0 request as the same object', () => {
    const v1 = { actor, verb, object, context: { registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7' }, version: '1.0.0', timestamp: '2024-05-01T10:00:00Z' };
    expect(downgradeForLine(v1, '1.0')).toBe(v1);
  });

  it('does not change the statement it was given', () => {
    const before = structuredClone(v2);
    downgradeForLine(v2, '1.0');
    expect(v2).toEqual(before);
  });

  it('copes with malformed input', () => {
    expect(downgradeForLine({ context: 'nope', object: 3, timestamp: 'garbage', version: 7 }, '1.0')).toEqual({
      context: 'nope',
      object: 3,
      timestamp: 'garbage',
      version: 7,
    });
  });
});
