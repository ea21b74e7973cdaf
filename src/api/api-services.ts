import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config';
import type { StoreStatementsService } from '../statements/statements.service';
import type { ScoringQueue } from '../queue/scoring-queue';
import { definitionsRepository } from '../competency/definitions.repository';
import { evidenceRepository } from '../competency/evidence.repository';
import { generationsRepository } from '../competency/generations.repository';
import { learnersRepository } from '../competency/learners.repository';
import { statesRepository } from '../competency/states.repository';
import { frameworksService, type FrameworksService } from './frameworks/frameworks.service';
import { learnersService, type LearnersService } from './learners/learners.service';
import { relinkLearnerFallback, type RelinkLearner } from './learners/relink-fallback';
import { scoresService, type ScoresService } from './scores/scores.service';
import { observationsService, type ObservationsService } from './observations/observations.service';

/** The use cases behind /api, built once at start. */
export interface ApiServices {
  frameworks: FrameworksService;
  learners: LearnersService;
  scores: ScoresService;
  observations: ObservationsService;
}

export interface ApiServicesDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Observations are stored through the statements use case, like any statement. */
  statements: StoreStatementsService;
  scoring: ScoringQueue;
  /** The scoring pipeline's relink; a minimal stand-in is used when absent. */
  relink?: RelinkLearner;
}

/** Builds the /api services and makes sure the indexes their queries use exist. */
export async function buildApiServices(deps: ApiServicesDeps): Promise<ApiServices> {
  const definitions = definitionsRepository(deps.db);
  const learners = learnersRepository(deps.db);
  const evidence = evidenceRepository(deps.db);
  const states = statesRepository(deps.db);
  const generations = generationsRepository(deps.db);
  await Promise.all([definitions.ensureIndexes(), learners.ensureIndexes(), evidence.ensureIndexes(), states.ensureIndexes()]);
  const relink = deps.relink ?? relinkLearnerFallback({ definitions, evidence, states, generations });
  return {
    frameworks: frameworksService({ definitions }),
    learners: learnersService({ learners, relink }),
    scores: scoresService({ definitions, learners, evidence, states, generations }),
    observations: observationsService({ definitions, learners, statements: deps.statements }),
  };
}
