import { parseDocumentParams } from './document-params';
import { AppError } from '../errors/app-error';

const agent = JSON.stringify({ objectType: 'Agent', mbox: 'mailto:Ada@Example.com' });
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return ((err.details as { problems: Array<{ path: string }> }).problems).map((p) => p.path);
    throw err;
  }
  return [];
};

describe('parseDocumentParams', () => {
  it('keys a state by activity, agent IFI, registration (lower-cased) and stateId', () => {
    const registration = 'EC531277-B57B-4C15-8D91-D292C5B2B8F7';
    expect(parseDocumentParams({ activityId: 'http://example.com/a', agent, registration, stateId: 's' }, { kind: 'state', method: 'PUT', line: '2.0' })).toEqual({
      target: 'one',
      key: { kind: 'state', activityId: 'http://example.com/a', agentKey: 'mbox:mailto:Ada@example.com', registration: registration.toLowerCase(), docId: 's' },
    });
  });

  it('reads a state request without stateId as the whole context, with or without a registration', () => {
    const since = '2024-05-01T10:00:00+02:00';
    expect(parseDocumentParams({ activityId: 'http://example.com/a', agent, since }, { kind: 'state', method: 'GET', line: '1.0' })).toEqual({
      target: 'all',
      scope: { kind: 'state', activityId: 'http://example.com/a', agentKey: 'mbox:mailto:Ada@example.com' },
      since: new Date('2024-05-01T08:00:00Z'),
    });
  });

  it('leaves the fields a resource does not use empty', () => {
    expect(parseDocumentParams({ activityId: 'urn:x:1', profileId: 'p' }, { kind: 'activityProfile', method: 'GET', line: '2.0' })).toEqual({
      target: 'one', key: { kind: 'activityProfile', activityId: 'urn:x:1', agentKey: '', registration: '', docId: 'p' },
    });
    expect(parseDocumentParams({ agent, profileId: 'p' }, { kind: 'agentProfile', method: 'DELETE', line: '2.0' })).toEqual({
      target: 'one', key: { kind: 'agentProfile', activityId: '', agentKey: 'mbox:mailto:Ada@example.com', registration: '', docId: 'p' },
    });
  });

  it.each([
    ['state', 'PUT', {}, ['activityId', 'agent', 'stateId']],
    ['state', 'DELETE', { activityId: 'http://a.b/c', agent, since: '2024-01-01T00:00:00Z' }, ['since']],
    ['activityProfile', 'DELETE', { activityId: 'http://a.b/c' }, ['profileId']],
    ['activityProfile', 'GET', { activityId: 'http://a.b/c', agent }, ['agent']],
    ['agentProfile', 'POST', { agent, profileId: 'p', activityId: 'http://a.b/c', registration: 'x' }, ['activityId', 'registration']],
    ['agentProfile', 'GET', { agent: '{"mbox":"mailto:a@b.c","objectType":"Group"}' }, ['agent']],
    ['state', 'GET', { activityId: ['http://a.b/c', 'http://a.b/d'], agent, stateId: 's' }, ['activityId']],
  ] as const)('%s %s %j: problems with %j', (kind, method, query, paths) => {
    expect(problemsOf(() => parseDocumentParams(query as Record<string, unknown>, { kind, method, line: '2.0' })).sort()).toEqual([...paths].sort());
  });
});
