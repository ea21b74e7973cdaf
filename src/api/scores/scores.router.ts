import { Router } from 'express';
import type { AuthService } from '../../auth/auth.service';
import { requireScope } from '../../http/authenticate.middleware';
import { parseQuery, text } from '../http/query';
import { storeOf } from '../http/principal';
import type { ScoresService } from './scores.service';

export interface ScoresRouterDeps {
  auth: AuthService;
  scores: ScoresService;
}

/**
 * /api/learners/:id/competencies…, /may-start, /may-skip: scores, explanations and decisions
 * (competency/read).
 */
export function scoresRouter(deps: ScoresRouterDeps): Router {
  const router = Router();
  const read = requireScope(deps.auth, 'competency/read', 'read');
  const id = text(512);

  router.get('/:id/competencies', read, async (req, res) => {
    const q = parseQuery(req, { framework: { read: id } });
    res.json(await deps.scores.competencies(storeOf(res), req.params.id as string, q.framework));
  });

  router.get('/:id/competencies/:competencyId', read, async (req, res) => {
    const q = parseQuery(req, { framework: { read: id, required: true } });
    res.json(await deps.scores.competency(storeOf(res), req.params.id as string, q.framework, req.params.competencyId as string));
  });

  router.get('/:id/may-start', read, async (req, res) => {
    const q = parseQuery(req, { framework: { read: id, required: true }, competency: { read: id, required: true } });
    res.json(await deps.scores.mayStart(storeOf(res), req.params.id as string, q));
  });

  router.get('/:id/may-skip', read, async (req, res) => {
    const q = parseQuery(req, { framework: { read: id, required: true }, competency: { read: id, required: true }, level: { read: id } });
    res.json(await deps.scores.maySkip(storeOf(res), req.params.id as string, q));
  });

  return router;
}
