import { Router, type NextFunction, type Request, type Response } from 'express';
import { jsonBody } from '../http/alternate-syntax.middleware';
import { AppError } from '../errors/app-error';
import type { AuthService } from '../auth/auth.service';
import { requireScope } from '../http/authenticate.middleware';
import { parseAcceptLanguage } from './model/accept-language';
import { parseStatementQuery, type StatementRequest } from './query-params';
import { decodeMoreToken, withCursor } from './more-token';
import { multipartStatements } from './multipart-response';
import type { StoreStatementsService } from './statements.service';
import type { QueryStatementsService, ReadContext } from './statements-query.service';

export interface StatementsRouterDeps {
  auth: AuthService;
  store: StoreStatementsService;
  query: QueryStatementsService;
  limits: { limitDefault: number; limitMax: number; bodyLimitBytes: number };
}

/** /statements: thin HTTP adapter over the store and query use cases (xAPI 1.0.3 Communication §2.1). */
export function statementsRouter(deps: StatementsRouterDeps): Router {
  const router = Router();
  const json = jsonBody({ limit: deps.limits.bodyLimitBytes });

  // Checked before the body is read, so a wrong type is rejected without buffering it.
  const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
    const type = (req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
    next(type === 'application/json' ? undefined : new AppError('BAD_REQUEST', `Content-Type must be application/json for statements${type ? ` (got ${type})` : ''}`));
  };
  const principal = (res: Response) => res.locals.principal!;
  const line = (res: Response) => res.locals.line!;

  router.put('/', requireScope(deps.auth, 'statements/write', 'write'), requireJson, json, async (req, res) => {
    const unknown = Object.keys(req.query).filter((k) => k !== 'statementId');
    if (unknown.length > 0) throw new AppError('INVALID_PARAMETER', `${unknown.join(', ')}: not a parameter of PUT /statements`);
    const statementId = req.query.statementId;
    if (typeof statementId !== 'string') throw new AppError('INVALID_PARAMETER', 'statementId: PUT /statements needs exactly one statementId parameter');
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(statementId)) throw new AppError('INVALID_PARAMETER', 'statementId: must be a UUID');
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('INVALID_STATEMENT', 'PUT /statements takes one statement object');
    const given = (body as { id?: unknown }).id;
    if (given !== undefined && (typeof given !== 'string' || given.toLowerCase() !== statementId.toLowerCase())) {
      throw new AppError('INVALID_STATEMENT', `id: ${JSON.stringify(given)} does not match the statementId parameter ${statementId}`);
    }
    await deps.store.store({ statements: [{ ...body, id: statementId }], principal: principal(res), line: line(res), single: true });
    res.status(204).end();
  });

  router.post('/', requireScope(deps.auth, 'statements/write', 'write'), requireJson, json, async (req, res) => {
    if (Object.keys(req.query).length > 0) throw new AppError('INVALID_PARAMETER', `${Object.keys(req.query).join(', ')}: POST /statements takes no parameters`);
    const body: unknown = req.body;
    const single = !Array.isArray(body);
    const ids = await deps.store.store({ statements: single ? [body] : body, principal: principal(res), line: line(res), single });
    res.status(200).json(ids);
  });

  router.get('/', requireScope(deps.auth, 'statements/read', 'read'), async (req, res) => {
    const query = req.query as Record<string, unknown>;
    let request: StatementRequest;
    let original: Record<string, string>;
    if (query.more !== undefined) {
      if (typeof query.more !== 'string' || Object.keys(query).length > 1) throw new AppError('INVALID_PARAMETER', 'more: a more link takes no other parameters');
      const decoded = decodeMoreToken(query.more);
      original = decoded.query;
      request = withCursor(parseStatementQuery(original, { line: line(res), ...deps.limits }), decoded.cursor);
    } else {
      original = Object.fromEntries(Object.entries(query).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      request = parseStatementQuery(query, { line: line(res), ...deps.limits });
    }
    const p = principal(res);
    const ctx: ReadContext = {
      store: p.store,
      line: line(res),
      acceptLanguages: parseAcceptLanguage(req.get('Accept-Language')),
      authorityKey: res.locals.mineOnly ? p.authorityKey : undefined,
    };
    const result = request.kind === 'single' ? await deps.query.getOne(request, ctx) : await deps.query.query(request, ctx, original);
    res.set('X-Experience-API-Consistent-Through', result.consistentThrough.toISOString());
    res.set('Last-Modified', result.lastModified.toUTCString());
    if (request.attachments) {
      // Attachment content is stored only by multipart requests (next issue); JSON requests carry
      // fileUrl-only attachments, so the statements part is the whole response for now.
      const multipart = multipartStatements(result.body, []);
      res.set('Content-Type', multipart.contentType).send(multipart.body);
      return;
    }
    res.type('application/json').send(result.body);
  });

  router.all('/', (req) => {
    throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on /statements`);
  });
  return router;
}
