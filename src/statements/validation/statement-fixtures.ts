/**
 * Statements for the validation tests. Each builder returns a fresh, valid object that a test
 * may change freely.
 */

export const AGENT = { objectType: 'Agent', name: 'Ana', mbox: 'mailto:ana@example.com' };

/** The smallest valid Statement: actor, verb, object. */
export function minimalStatement(): Record<string, unknown> {
  return {
    actor: { ...AGENT },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
    object: { id: 'http://example.com/activities/intro' },
  };
}

/** `minimalStatement()` with `patch` merged in at the top level. */
export function statementWith(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...minimalStatement(), ...patch };
}

/** A minimal statement whose object is an Activity with the given definition. */
export function activityWithDefinition(definition: Record<string, unknown>): Record<string, unknown> {
  return statementWith({ object: { objectType: 'Activity', id: 'http://example.com/q1', definition } });
}

/** A realistic cmi5 "completed" statement, as an assignable unit sends it (cmi5 §9.5.5). */
export function cmi5CompletedStatement(): Record<string, unknown> {
  return {
    id: '2a41c918-b88b-4220-20a5-a4c32391a240',
    actor: {
      objectType: 'Agent',
      name: 'Ana Lima',
      account: { homePage: 'https://lms.example.com', name: 'ana.lima' },
    },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: {
      objectType: 'Activity',
      id: 'https://courses.example.com/safety/au/1',
      definition: {
        name: { 'en-US': 'Fire safety basics' },
        description: { 'en-US': 'Module 1', 'pt-BR': 'Módulo 1' },
        type: 'http://adlnet.gov/expapi/activities/lesson',
      },
    },
    result: { completion: true, duration: 'PT23M12.5S' },
    context: {
      registration: 'ec231277-b27b-4c15-8291-d29225b2b8f7',
      contextActivities: {
        category: [{ id: 'https://w3id.org/xapi/cmi5/context/categories/moveon' }, { id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5' }],
        grouping: [{ id: 'https://courses.example.com/safety' }],
      },
      extensions: {
        'https://w3id.org/xapi/cmi5/context/extensions/sessionid': '458240298378231',
        'https://w3id.org/xapi/cmi5/context/extensions/masteryscore': 0.8,
      },
      language: 'en-US',
    },
    timestamp: '2024-05-01T12:30:01.123Z',
  };
}

/** An xAPI 2.0 statement that uses contextAgents and contextGroups. */
export function statementWithContextAgents(): Record<string, unknown> {
  return statementWith({
    context: {
      contextAgents: [
        {
          objectType: 'contextAgent',
          agent: { objectType: 'Agent', mbox: 'mailto:coach@example.com' },
          relevantTypes: ['https://example.com/roles/coach'],
        },
      ],
      contextGroups: [
        {
          objectType: 'contextGroup',
          group: { objectType: 'Group', name: 'Team A', account: { homePage: 'https://lms.example.com', name: 'team-a' } },
          relevantTypes: ['https://example.com/roles/team'],
        },
      ],
    },
    version: '2.0.0',
  });
}
