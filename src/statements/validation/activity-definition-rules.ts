import type { Issue, PathSegment } from './issue';

type JsonObject = Record<string, unknown>;

const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const;
type ComponentList = (typeof COMPONENT_LISTS)[number];

// xAPI 1.0.3 Data §2.4.4.1, Interaction Components: the component lists each interactionType
// supports; true-false, fill-in, long-fill-in, numeric and other support none.
const TYPES_FOR_LIST: Record<ComponentList, readonly string[]> = {
  choices: ['choice', 'sequencing'],
  scale: ['likert'],
  source: ['matching'],
  target: ['matching'],
  steps: ['performance'],
};

const INTERACTION_TYPES = new Set([
  'true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing',
  'likert', 'numeric', 'other',
]);

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Rules of an Activity Definition that span properties (the schema checks each property alone).
 * `at` is the path of the definition itself.
 */
export function checkActivityDefinition(definition: unknown, at: readonly PathSegment[]): Issue[] {
  if (!isObject(definition)) return [];
  const issues: Issue[] = [];
  const interactionType = definition.interactionType;
  // An unknown interactionType is already reported by the schema; judging the lists against it
  // would only repeat that problem.
  if (interactionType !== undefined && !(typeof interactionType === 'string' && INTERACTION_TYPES.has(interactionType))) {
    return issues;
  }

  // Data §2.4.4.1, Interaction Activities: interactionType is required for an interaction, so its
  // other properties are meaningless without it.
  if (definition.correctResponsesPattern !== undefined && interactionType === undefined) {
    issues.push({ at: [...at, 'correctResponsesPattern'], message: 'is only allowed when interactionType is given' });
  }

  for (const list of COMPONENT_LISTS) {
    const components = definition[list];
    if (components === undefined) continue;
    const allowed = TYPES_FOR_LIST[list];
    if (typeof interactionType !== 'string' || !allowed.includes(interactionType)) {
      issues.push({
        at: [...at, list],
        message: `is only allowed when interactionType is ${allowed.map((t) => `"${t}"`).join(' or ')}`,
      });
    }
    issues.push(...duplicateComponentIds(components, [...at, list]));
  }
  return issues;
}

// Data §2.4.4.1: "Within an array of interaction components, all id values MUST be distinct."
function duplicateComponentIds(components: unknown, at: readonly PathSegment[]): Issue[] {
  if (!Array.isArray(components)) return [];
  const firstIndex = new Map<string, number>();
  const issues: Issue[] = [];
  components.forEach((component: unknown, index) => {
    if (!isObject(component) || typeof component.id !== 'string') return;
    const first = firstIndex.get(component.id);
    if (first === undefined) firstIndex.set(component.id, index);
    else issues.push({ at: [...at, index, 'id'], message: `must be unique in this list; [${first}] has the same id` });
  });
  return issues;
}
