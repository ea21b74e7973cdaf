import { Router } from 'express';
import type { AuthService } from '../../auth/auth.service';
import { requireScope } from '../../http/authenticate.middleware';
import { jsonBody } from '../http/json-body';
import { integer, oneOf, parseQuery, positiveIntParam } from '../http/query';
import { storeOf } from '../http/principal';
import { INTERCHANGE_FORMATS, type FrameworksService } from './frameworks.service';

export interface FrameworksRouterDeps {
  auth: AuthService;
  frameworks: FrameworksService;
  bodyLimitBytes: number;
}

/** /api/frameworks: definitions (read: competency/read; write: competency/admin). */
export function frameworksRouter(deps: FrameworksRouterDeps): Router {
  const router = Router();
  const read = requireScope(deps.auth, 'competency/read', 'read');
  const admin = requireScope(deps.auth, 'competency/admin', 'write');
  const json = jsonBody(deps.bodyLimitBytes);

  router.get('/', read, async (req, res) => {
    parseQuery(req, {});
    const frameworks = await deps.frameworks.list(storeOf(res));
    res.json({ frameworks: frameworks.map((f) => ({ id: f.frameworkId, title: f.title, version: f.version, label: f.label, createdAt: f.createdAt })) });
  });

  // Before /:id routes: "import" is not a framework id here (POST only).
  router.post('/import', admin, ...json, async (req, res) => {
    const q = parseQuery(req, { format: { read: oneOf(INTERCHANGE_FORMATS), required: true } });
    const saved = await deps.frameworks.import(storeOf(res), q.format, req.body);
    res.status(saved.created ? 201 : 200).location(`${req.baseUrl}/${encodeURIComponent(saved.id)}`).json(saved);
  });

  router.get('/:id/export', read, async (req, res) => {
    const q = parseQuery(req, { format: { read: oneOf(INTERCHANGE_FORMATS), required: true }, version: { read: integer(1, 999_999_999) } });
    const document = await deps.frameworks.export(storeOf(res), req.params.id as string, q.format, q.version);
    res.type(q.format === 'ieee' ? 'application/ld+json' : 'application/json').send(JSON.stringify(document));
  });

  router.put('/:id', admin, ...json, async (req, res) => {
    parseQuery(req, {});
    const saved = await deps.frameworks.put(storeOf(res), req.params.id as string, req.body);
    if (saved.created) res.status(201).location(`${req.baseUrl}/${encodeURIComponent(saved.id)}`);
    res.json(saved);
  });

  router.get('/:id', read, async (req, res) => {
    parseQuery(req, {});
    const { framework, version } = await deps.frameworks.current(storeOf(res), req.params.id as string);
    res.json({ version, framework });
  });

  router.get('/:id/versions', read, async (req, res) => {
    parseQuery(req, {});
    const versions = await deps.frameworks.history(storeOf(res), req.params.id as string);
    res.json({ id: req.params.id, versions });
  });

  router.get('/:id/versions/:n', read, async (req, res) => {
    parseQuery(req, {});
    const n = positiveIntParam(req.params.n as string, 'n');
    const { framework, version } = await deps.frameworks.version(storeOf(res), req.params.id as string, n);
    res.json({ version, framework });
  });

  router.put('/:id/rules', admin, ...json, async (req, res) => {
    parseQuery(req, {});
    const saved = await deps.frameworks.putRules(storeOf(res), req.params.id as string, req.body);
    res.status(saved.created ? 201 : 200).json(saved);
  });

  router.get('/:id/rules', read, async (req, res) => {
    parseQuery(req, {});
    const { rules, version } = await deps.frameworks.rules(storeOf(res), req.params.id as string);
    res.json({ id: req.params.id, version, rules });
  });

  return router;
}
