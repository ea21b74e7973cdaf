import { Router } from 'express';
import { SERVED_VERSIONS } from '../xapi/xapi-version';
import { AppError } from '../errors/app-error';

/** xAPI 1.0.3 Communication §2.8 / 2.0 §4.1.8: /about lists the versions served; no auth needed. */
export function aboutRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ version: [...SERVED_VERSIONS], extensions: {} });
  });
  router.all('/', (req) => {
    throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on /about`);
  });
  return router;
}
