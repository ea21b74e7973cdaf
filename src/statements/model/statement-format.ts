import { filterLanguageMap } from './accept-language';
import { ifiPropertyOf } from './agent-ifi';
import {
  type JsonObject,
  type PropertyRule,
  type Statement,
  isObject,
  mapProperties,
  objectOf,
  objectTypeOf,
  objectsIn,
  stringOf,
} from './statement-types';

export { parseAcceptLanguage } from './accept-language';

/** The `format` parameter of GET /statements (xAPI 1.0.3 Communication §2.1.3). */
export type StatementFormat = 'exact' | 'ids' | 'canonical';

/** Options for {@link formatStatement}. */
export interface FormatOptions {
  /** @defaultValue `'exact'` is the parameter's default; callers pass what the request asked. */
  format: StatementFormat;
  /** Language ranges, most preferred first, as returned by `parseAcceptLanguage`. */
  acceptLanguages: readonly string[];
  /**
   * The LRS's canonical definition of an Activity, when it keeps one (Communication §2.1.3:
   * canonical format returns Activities "populated with the canonical definition ... as determined
   * by the LRS"). Without it, or when it returns undefined, the definition in the statement is used.
   */
  canonicalDefinitionOf?: (activityId: string) => JsonObject | undefined;
}

/**
 * A statement as a GET /statements response should carry it.
 *
 * - `exact`: as received, except that every `contextActivities` value is an array. That rewrite
 *   applies to all formats: Data §2.4.6.2 says the LRS MUST return arrays, even for a single
 *   Activity sent alone. When nothing needs it, the input object itself is returned.
 * - `ids`: Agents, Groups, Activities and Verbs carry only what identifies them (Communication
 *   §2.1.3 `format`): an Agent or Identified Group its `objectType` and IFI; an Anonymous Group its
 *   `objectType` and its members reduced the same way; an Activity `{ objectType, id }`; a Verb
 *   `{ id }`. Applies to actor, object, authority, context (instructor, team, context activities,
 *   xAPI 2.0 contextAgents/contextGroups) and a SubStatement's own parts. Idempotent.
 * - `canonical`: Agents and Groups as in `exact`; each language map of Activity definitions
 *   (name, description, interaction component descriptions), Verb displays and attachment
 *   display/description reduced to one entry chosen from `acceptLanguages` (Communication §2.1.3,
 *   Language Filtering Requirements; see `chooseLanguage` for the fallback order). Language maps
 *   inside extensions are left alone: their structure is the extension owner's business.
 */
export function formatStatement(statement: Statement, opts: FormatOptions): Statement {
  const arrays = withContextActivityArrays(statement);
  switch (opts.format) {
    case 'ids':
      return idsStatement(arrays, false);
    case 'canonical':
      return canonicalStatement(arrays, opts);
    default:
      return arrays;
  }
}

function withContextActivityArrays(statement: Statement): Statement {
  const context = objectOf(statement.context);
  const contextActivities = objectOf(context?.contextActivities);
  const sub = objectOf(statement.object);
  const fixedSub = sub?.objectType === 'SubStatement' ? withContextActivityArrays(sub) : sub;
  const needsArrays = contextActivities !== undefined && Object.values(contextActivities).some((v) => !Array.isArray(v));
  if (!needsArrays && fixedSub === sub) return statement;
  return mapProperties(statement, {
    context: (c) =>
      needsArrays && isObject(c)
        ? mapProperties(c, {
            contextActivities: (ca) =>
              isObject(ca)
                ? Object.fromEntries(Object.entries(ca).map(([kind, v]) => [kind, Array.isArray(v) ? v : [v]]))
                : ca,
          })
        : c,
    object: (o) => (o === sub ? fixedSub : o),
  });
}

function eachOf(rule: PropertyRule): PropertyRule {
  return (v) => (Array.isArray(v) ? v.map(rule) : v);
}

function contextActivitiesWith(rule: PropertyRule): PropertyRule {
  return (v) => (isObject(v) ? Object.fromEntries(Object.entries(v).map(([kind, list]) => [kind, eachOf(rule)(list)])) : v);
}

// ---- ids ----

const idsActor: PropertyRule = (v) => {
  if (!isObject(v)) return v;
  const objectType = objectTypeOf(v, 'Agent');
  const ifi = ifiPropertyOf(v);
  if (ifi) return { objectType, ...ifi };
  // Communication §2.1.3: for Anonymous Groups, the minimum information to identify each member.
  if (objectType === 'Group') return { objectType, member: objectsIn(v.member).map(idsActor) };
  return { objectType };
};

const idsActivity: PropertyRule = (v) => (isObject(v) ? { objectType: objectTypeOf(v, 'Activity'), id: v.id } : v);

const idsVerb: PropertyRule = (v) => (isObject(v) ? { id: v.id } : v);

const idsContext: PropertyRule = (v) =>
  isObject(v)
    ? mapProperties(v, {
        instructor: idsActor,
        team: idsActor,
        contextActivities: contextActivitiesWith(idsActivity),
        contextAgents: eachOf((e) => (isObject(e) ? mapProperties(e, { agent: idsActor }) : e)),
        contextGroups: eachOf((e) => (isObject(e) ? mapProperties(e, { group: idsActor }) : e)),
      })
    : v;

function idsStatement(statement: Statement, sub: boolean): Statement {
  return mapProperties(statement, {
    actor: idsActor,
    verb: idsVerb,
    authority: idsActor,
    context: idsContext,
    object: (o) => {
      if (!isObject(o)) return o;
      switch (objectTypeOf(o, 'Activity')) {
        case 'Activity':
          return idsActivity(o);
        case 'Agent':
        case 'Group':
          return idsActor(o);
        case 'SubStatement':
          return sub ? o : idsStatement(o, true);
        default:
          return o;
      }
    },
  });
}

// ---- canonical ----

const INTERACTION_COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'];

function canonicalStatement(statement: Statement, opts: FormatOptions): Statement {
  const languages: PropertyRule = (v) => (isObject(v) ? filterLanguageMap(v, opts.acceptLanguages) : v);
  const component: PropertyRule = (c) => (isObject(c) ? mapProperties(c, { description: languages }) : c);
  const definition: PropertyRule = (d) =>
    isObject(d)
      ? mapProperties(d, {
          name: languages,
          description: languages,
          ...Object.fromEntries(INTERACTION_COMPONENT_LISTS.map((list) => [list, eachOf(component)])),
        })
      : d;
  const activity: PropertyRule = (a) => {
    if (!isObject(a)) return a;
    const id = stringOf(a.id);
    const canonical = id === undefined ? undefined : opts.canonicalDefinitionOf?.(id);
    const withDefinition = canonical ? { ...a, definition: canonical } : a;
    return mapProperties(withDefinition, { definition });
  };
  const one = (s: Statement, sub: boolean): Statement =>
    mapProperties(s, {
      verb: (v) => (isObject(v) ? mapProperties(v, { display: languages }) : v),
      attachments: eachOf((a) => (isObject(a) ? mapProperties(a, { display: languages, description: languages }) : a)),
      context: (c) => (isObject(c) ? mapProperties(c, { contextActivities: contextActivitiesWith(activity) }) : c),
      object: (o) => {
        if (!isObject(o)) return o;
        const type = objectTypeOf(o, 'Activity');
        if (type === 'Activity') return activity(o);
        return type === 'SubStatement' && !sub ? one(o, true) : o;
      },
    });
  return one(statement, false);
}
