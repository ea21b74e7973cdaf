import { Router } from 'express';
import { AppError } from '../errors/app-error';
import type { AuthService } from '../auth/auth.service';
import { requireScope } from '../http/authenticate.middleware';
import type { ActivitiesService } from './activities.service';

const IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;

/** GET /activities?activityId=… (xAPI 1.0.3 Communication §2.5). */
export function activitiesRouter(deps: { auth: AuthService; activities: ActivitiesService }): Router {
  const router = Router();
  router.get('/', requireScope(deps.auth, 'metadata', 'read'), async (req, res) => {
    const unknown = Object.keys(req.query).filter((k) => k !== 'activityId');
    if (unknown.length > 0) throw new AppError('INVALID_PARAMETER', `${unknown.join(', ')}: not a parameter of the activities resource`);
    const id = req.query.activityId;
    if (typeof id !== 'string') throw new AppError('INVALID_PARAMETER', 'activityId: required, once');
    if (!IRI.test(id)) throw new AppError('INVALID_PARAMETER', 'activityId: must be an IRI');
    res.json(await deps.activities.get(res.locals.principal!.store, id));
  });
  router.all('/', (req) => { throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on /activities`); });
  return router;
}
