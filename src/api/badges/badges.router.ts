import { Router, type Request } from 'express';
import type { AuthService } from '../../auth/auth.service';
import { AppError } from '../../errors/app-error';
import { requireScope } from '../../http/authenticate.middleware';
import { parseQuery, text } from '../http/query';
import { storeOf } from '../http/principal';
import type { BadgesService } from './badges.service';

export interface BadgesRouterDeps {
  auth: AuthService;
  badges: BadgesService;
  /** `LRS_PUBLIC_URL`; absent: the request's protocol and Host. */
  publicUrl?: string;
}

/**
 * Open Badges: the credential of a validated competency (competency/read), and, without
 * authentication because verifiers need them, the issuer's public keys and Profile.
 */
export function badgesRouter(deps: BadgesRouterDeps): { learners: Router; open: Router } {
  const baseUrl = (req: Request) => deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;

  const learners = Router();
  learners.get('/:id/competencies/:competencyId/badge', requireScope(deps.auth, 'competency/read', 'read'), async (req, res) => {
    const q = parseQuery(req, { framework: { read: text(512), required: true } });
    const issued = await deps.badges.issue({ store: storeOf(res), learnerId: req.params.id as string, frameworkId: q.framework, competencyId: req.params.competencyId as string, baseUrl: baseUrl(req) });
    // VC-JOSE media types give the compact JWS alone; anything else gets the credential too.
    const wanted = req.accepts(['application/json', 'application/vc+jwt', 'application/jwt']);
    if (wanted === 'application/vc+jwt' || wanted === 'application/jwt') res.type(wanted).send(issued.jwt);
    else res.json(issued);
  });

  const open = Router();
  open.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(deps.badges.jwks());
  });
  open.get('/issuers/:store', async (req, res) => {
    if (Object.keys(req.query).length > 0) throw new AppError('INVALID_PARAMETER', `${Object.keys(req.query).join(', ')}: the issuer profile takes no parameters`);
    res.json(await deps.badges.issuer(req.params.store as string, baseUrl(req)));
  });
  return { learners, open };
}
