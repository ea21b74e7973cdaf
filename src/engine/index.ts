/**
 * The competency engine's public API: pure functions from definitions, statements and evidence
 * to evidence, states and decisions. No I/O; the clock is a parameter. Workers and services
 * import from here only.
 */
export * from './types';
export * from './evidence-types';
export type { Instant } from './clock';
export { toEpochMs } from './clock';
export { DEFAULT_SOURCE_WEIGHTS, DEFAULT_PRIOR, DEFAULT_INTERVAL_MASS, DEFAULT_MIN_CERTAINTY, DEFAULT_MIN_EVIDENCE } from './scoring-config';
export { betaCdf, betaQuantile } from './beta-distribution';
export { evidenceKey, compareEvidence, canonicalEvidence, type CanonicalEvidence } from './evidence-set';
export {
  computeState,
  applyEvidence,
  retractEvidence,
  projectState,
  relevantEvidence,
  type ComputeStateInput,
  type IncrementalInput,
  type IncrementalResult,
  type ProjectStateInput,
} from './score';
export { explainState, type StateExplanation, type EvidenceExplanation, type ExcludedEvidence, type Contribution } from './explain';
export {
  evidenceFromStatement,
  type MapStatementInput,
  type MapStatementResult,
  type SkippedEvidence,
} from './map-statement';
export type { StatementLike, AgentLike } from './statement-shape';
export { agentIfi } from './statement-shape';
export {
  validateFramework,
  validateMappingRules,
  parseFramework,
  parseMappingRules,
  validateCasePackageShape,
  type Parsed,
} from './validate-definitions';
export { rollupCompetency, type CompetencyStanding, type RollupInput } from './rollup';
export { mayStart, maySkip, type Decision, type DecisionReason, type DecisionCode, type DecisionInput } from './prerequisites';
export {
  timeToCompetency,
  timeToRole,
  type TimeToCompetency,
  type TimeToCompetencyInput,
  type TimeToRole,
  type TimeToRoleInput,
  type StartSource,
} from './time-to-competency';
export {
  kaplanMeier,
  survivalQuantiles,
  type SurvivalDuration,
  type SurvivalStep,
  type SurvivalQuantile,
} from './kaplan-meier';
export { frameworkFromCase, type CaseImportOptions } from './interchange/case-import';
export { frameworkToCase, type CaseExportOptions } from './interchange/case-export';
export type { CasePackage, CaseItem, CaseAssociation, CaseDocument, CaseRubric } from './interchange/case-types';
export { frameworkFromScd, type ScdImportOptions } from './interchange/scd-import';
export { frameworkToScd } from './interchange/scd-export';
export { SCD_CONTEXT, EXPORT_CONTEXT as SCD_EXPORT_CONTEXT, type ScdDocument, type ScdNode } from './interchange/scd-types';
export { competencyIri, frameworkIri, isAbsoluteIri } from './iris';
