import { Router } from 'express';
import type { AuthService } from '../auth/auth.service';
import { AppError } from '../errors/app-error';
import type { ApiServices } from './api-services';
import { frameworksRouter } from './frameworks/frameworks.router';
import { learnersRouter } from './learners/learners.router';
import { scoresRouter } from './scores/scores.router';
import { observationsRouter } from './observations/observations.router';
import { operationsRouter } from './operations/operations.router';
import { badgesRouter } from './badges/badges.router';

export interface ApiRouterDeps {
  auth: AuthService;
  services: ApiServices;
  bodyLimitBytes: number;
  /** `LRS_PUBLIC_URL`, for badge issuer and key ids. */
  publicUrl?: string;
}

/**
 * The competency API under /api (documented in docs/api.md): the same credentials, stores and
 * error bodies as /xapi, with its own scopes (competency/read, competency/write,
 * competency/admin; `all` and `all/read` cover them). No X-Experience-API-Version needed.
 */
export function apiRouter(deps: ApiRouterDeps): Router {
  const api = Router();
  const { auth, services, bodyLimitBytes } = deps;
  const badges = badgesRouter({ auth, badges: services.badges, publicUrl: deps.publicUrl });
  api.use(badges.open);
  api.use('/frameworks', frameworksRouter({ auth, frameworks: services.frameworks, bodyLimitBytes }));
  api.use('/learners', learnersRouter({ auth, learners: services.learners, bodyLimitBytes }));
  api.use('/learners', scoresRouter({ auth, scores: services.scores }));
  api.use('/learners', badges.learners);
  api.use('/observations', observationsRouter({ auth, observations: services.observations, bodyLimitBytes }));
  api.use(operationsRouter({ auth, operations: services.operations }));
  api.use((req, _res, next) => next(new AppError('NOT_FOUND', `No /api resource at ${req.method} ${req.baseUrl}${req.path}; see docs/api.md`)));
  return api;
}
