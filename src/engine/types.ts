/**
 * Definitions the competency engine works on: frameworks (roles, competencies, levels, rules for
 * validation and roll-up) and the mapping rules that turn xAPI statements into evidence.
 *
 * Evidence and state types live in `evidence-types.ts`; both are re-exported from `index.ts`.
 * Everything here is plain JSON (as validated by `schemas/competency/*.schema.json`), so a
 * definition can be stored and loaded without conversion.
 */

/** Kinds of evidence. Validation rules ask for a mix of them. */
export type SourceKind = 'knowledge-check' | 'scenario' | 'observation' | 'project' | 'self-report';

/** Every {@link SourceKind}, in a fixed order (used for iteration and schemas). */
export const SOURCE_KINDS: readonly SourceKind[] = [
  'knowledge-check',
  'scenario',
  'observation',
  'project',
  'self-report',
];

/** One named step of a proficiency scale. */
export interface ProficiencyLevel {
  /** Unique within the competency, e.g. `proficient`. */
  id: string;
  /** Human-readable name, e.g. `Proficient`. */
  title?: string;
  /**
   * Lowest score (posterior mean, 0..1) at which the level is reached. Levels are listed in
   * strictly ascending threshold order.
   */
  threshold: number;
}

/** An observable behaviour that shows the competency, e.g. "asks open questions". */
export interface Indicator {
  /** Unique within the competency. */
  id: string;
  title: string;
}

/**
 * When a competency counts as *validated* at a level: the score clears the level's threshold
 * with enough certainty **and** the evidence mix is right.
 */
export interface ValidationRule {
  /**
   * Fewest distinct evidence items (after de-duplication) before validation is possible.
   * @defaultValue 3
   */
  minEvidence?: number;
  /**
   * Posterior probability that true proficiency is at or above the level's threshold,
   * `P(θ ≥ threshold | evidence)`, needed to validate at that level.
   * @defaultValue 0.8
   */
  minCertainty?: number;
  /**
   * Widest allowed credible interval (`hi - lo` of the state's interval); absent means no limit.
   */
  maxIntervalWidth?: number;
  /**
   * Source kinds that must each have at least one evidence item. `['observation']` together with
   * `minDistinctSourceKinds: 2` reads "at least one observation besides other evidence".
   * @defaultValue []
   */
  requiredSourceKinds?: SourceKind[];
  /**
   * Fewest distinct source kinds among the evidence.
   * @defaultValue 1
   */
  minDistinctSourceKinds?: number;
}

/** How a parent competency's state follows from its children. */
export type RollupRule =
  | {
      /** Validated when every child is validated; score is the weakest child's score. */
      mode: 'all-children';
    }
  | {
      /**
       * Score is the weighted mean of the children's scores; validated when every required child
       * is validated and the weights of the validated children add up to `minPoints`.
       */
      mode: 'weighted';
      /** Weight (points) per child competency id; a child not listed weighs 1. */
      weights: Record<string, number>;
      /** Children that must be validated whatever the points. @defaultValue [] */
      requiredChildren?: string[];
      /** Points (sum of weights of validated children) needed to validate the parent. */
      minPoints: number;
    };

/** A competency: one node of the framework's tree. */
export interface Competency {
  /** Unique within the framework (a URI is a good choice, and what CASE export uses). */
  id: string;
  title: string;
  description?: string;
  /** The competency this one belongs to; absent for a root. */
  parentId?: string;
  /**
   * Competencies that must be validated before this one may start (see `prerequisites.ts`).
   * @defaultValue []
   */
  prerequisites?: string[];
  /** Behavioural indicators evidence can point at. @defaultValue [] */
  indicators?: Indicator[];
  /** The proficiency scale, levels in ascending threshold order (at least one). */
  scale: { levels: ProficiencyLevel[] };
  /** @defaultValue see {@link ValidationRule} defaults */
  validationRule?: ValidationRule;
  /**
   * Days a validation stays valid before it expires; absent means validations never expire.
   */
  reassessmentIntervalDays?: number;
  /**
   * Days before expiry at which reassessment falls due (`reassessmentDueAt`); new qualifying
   * evidence from then on renews the validation.
   * @defaultValue 0
   */
  reassessmentLeadDays?: number;
  /**
   * Days after which a piece of evidence counts half as much. Absent means no decay.
   */
  halfLifeDays?: number;
  /** For a parent competency: how its state follows from its children. */
  rollup?: RollupRule;
  /**
   * Anything an import could not map (e.g. CASE fields without a counterpart), kept so that an
   * export gives it back.
   */
  extras?: Record<string, unknown>;
}

/** A competency a role needs, and at which level. */
export interface RoleRequirement {
  competencyId: string;
  /** A level id of that competency's scale. */
  targetLevel: string;
}

/** A job role and what it requires. */
export interface Role {
  /** Unique within the framework. */
  id: string;
  title: string;
  requirements: RoleRequirement[];
}

/**
 * A competency framework. Versioned: evidence records the version it was produced under, and a
 * new version never rewrites recorded evidence.
 */
export interface Framework {
  id: string;
  /** Free-form version label, e.g. `2024.1` or `3`. */
  version: string;
  title: string;
  description?: string;
  roles: Role[];
  competencies: Competency[];
  /** Framework-level data an import could not map, returned by export. */
  extras?: Record<string, unknown>;
}

/** Where a produced evidence value comes from. */
export type ValueSource =
  | {
      /** `result.score.scaled`; negative scores count as 0. */
      from: 'score.scaled';
    }
  | {
      /** `result.success`: true gives `ifTrue`, false gives `ifFalse`. */
      from: 'success';
      /** @defaultValue 1 */
      ifTrue?: number;
      /** @defaultValue 0 */
      ifFalse?: number;
    }
  | {
      /**
       * `result.response` read as choice ids (xAPI separates several with `[,]`), each looked up
       * in `table`; several chosen ids give the mean of their values.
       */
      from: 'choice-table';
      /** Value 0..1 for this produce entry's competency, per choice id. */
      table: Record<string, number>;
      /** Value for a choice id missing from the table; absent means such a statement is skipped. */
      default?: number;
    }
  | {
      /** A fixed value, e.g. 1 for "project accepted". */
      from: 'constant';
      value: number;
    };

/** Where the assessor of an observation may be read from, in order of preference. */
export type AssessorSource = 'instructor' | 'context-agent' | 'authority';

/** One piece of evidence a rule produces from a matching statement. */
export interface RuleOutput {
  competencyId: string;
  indicatorId?: string;
  sourceKind: SourceKind;
  value: ValueSource;
  /** Relative weight of this evidence before source-kind weights. @defaultValue 1 */
  weight?: number;
}

/**
 * Which statements a rule applies to. Every given criterion must hold (AND); within a list, any
 * entry may match (OR). At least one criterion is required.
 */
export interface RuleMatch {
  /** `verb.id` is one of these. */
  verbIds?: string[];
  /** The object is an Activity whose `id` is one of these. */
  activityIds?: string[];
  /** The object's `definition.type` is one of these. */
  activityTypes?: string[];
  /** The object's `definition.interactionType` is one of these (e.g. `choice`). */
  interactionTypes?: string[];
  /** Each given context activity list contains at least one of the listed ids. */
  contextActivityIds?: {
    parent?: string[];
    grouping?: string[];
    category?: string[];
    other?: string[];
  };
  /**
   * cmi5 or xAPI Profile IRIs (profile version or statement template ids). cmi5 and the xAPI
   * Profiles spec both put these in `context.contextActivities.category`, which is where they
   * are looked for.
   */
  templateIds?: string[];
}

/** A declarative mapping from statements to evidence. */
export interface MappingRule {
  /** Unique among a framework's rules. */
  id: string;
  title?: string;
  match: RuleMatch;
  produce: RuleOutput[];
  /**
   * Where an observation's assessor may come from (observations without one are skipped).
   * `authority` is opt-in because every stored statement has an authority (often just the
   * client that sent it), which would make the check meaningless.
   * @defaultValue ['instructor', 'context-agent']
   */
  assessorFrom?: AssessorSource[];
  /**
   * For `context-agent`: only context agents with one of these `relevantTypes` count. Absent
   * means any context agent.
   */
  assessorRelevantTypes?: string[];
}
