import { Router } from 'express';
import { AppError } from '../errors/app-error';
import type { AuthService } from '../auth/auth.service';
import { requireScope } from '../http/authenticate.middleware';
import { parseAgentParam } from '../xapi/agent-param';
import type { AgentsService } from './agents.service';

/** GET /agents?agent=… (xAPI 1.0.3 Communication §2.6): the Person object. */
export function agentsRouter(deps: { auth: AuthService; agents: AgentsService }): Router {
  const router = Router();
  router.get('/', requireScope(deps.auth, 'metadata', 'read'), async (req, res) => {
    const unknown = Object.keys(req.query).filter((k) => k !== 'agent');
    if (unknown.length > 0) throw new AppError('INVALID_PARAMETER', `${unknown.join(', ')}: not a parameter of the agents resource`);
    const raw = req.query.agent;
    if (typeof raw !== 'string') throw new AppError('INVALID_PARAMETER', 'agent: required, once');
    const parsed = parseAgentParam(raw, { line: res.locals.line!, agentOnly: true });
    if (parsed.problems.length > 0) throw AppError.fromProblems('INVALID_PARAMETER', parsed.problems);
    res.json(await deps.agents.person(res.locals.principal!.store, parsed.agent!));
  });
  router.all('/', (req) => { throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on /agents`); });
  return router;
}
