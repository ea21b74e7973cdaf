import { Router, type NextFunction, type Request, type Response } from 'express';
import { jsonBody } from '../http/alternate-syntax.middleware';
import { AppError } from '../errors/app-error';
import type { AuthService } from '../auth/auth.service';
import { requireScope } from '../http/authenticate.middleware';
import { parseAcceptLanguage } from './model/accept-language';
import { parseStatementQuery, type StatementRequest } from './query-params';
import { decodeMoreToken, withCursor } from './more-token';
import { multipartBoundary, writeMultipartStatements } from './multipart-response';
import { postStatements, putStatementId, putStatements, type StatementBody } from './statement-body';
import type { StoreStatementsService } from './statements.service';
import type { QueryStatementsService, ReadContext } from './statements-query.service';
import type { AttachmentsService } from '../attachments/attachments.service';

export interface StatementsRouterDeps {
  auth: AuthService;
  store: StoreStatementsService;
  query: QueryStatementsService;
  attachments: AttachmentsService;
  limits: {
    limitDefault: number;
    limitMax: number;
    bodyLimitBytes: number;
    /** Largest multipart/mixed request (statements with attachment content). */
    attachmentMaxBytes: number;
  };
}

const mediaType = (req: Request) => (req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** /statements: thin HTTP adapter over the store and query use cases (xAPI 1.0.3 Communication §2.1). */
export function statementsRouter(deps: StatementsRouterDeps): Router {
  const router = Router();
  const json = jsonBody({ limit: deps.limits.bodyLimitBytes });

  // The body is read by the handler for multipart/mixed (streamed, attachments) and parsed here for
  // application/json; any other type is refused before the body is read. A multipart request over
  // the attachment limit by its Content-Length is refused before reading too (413); one without a
  // Content-Length is counted while it streams.
  const body = (req: Request, res: Response, next: NextFunction): void => {
    const type = mediaType(req);
    if (type === 'multipart/mixed') {
      // The alternate request syntax (1.0.3 §1.3) has read the body already, as a form field.
      if (req.readableEnded || req.body !== undefined) return next(new AppError('BAD_REQUEST', 'multipart/mixed cannot be sent through the alternate request syntax'));
      const declared = Number(req.get('Content-Length'));
      if (Number.isFinite(declared) && declared > deps.limits.attachmentMaxBytes) {
        res.set('Connection', 'close');
        return next(new AppError('PAYLOAD_TOO_LARGE', `The request body of ${declared} bytes exceeds the limit of ${deps.limits.attachmentMaxBytes} bytes (LRS_ATTACHMENT_MAX_BYTES)`));
      }
      res.locals.multipart = true;
      return next();
    }
    if (type !== 'application/json') {
      return next(new AppError('BAD_REQUEST', `Content-Type must be application/json or multipart/mixed for statements${type ? ` (got ${type})` : ''}`));
    }
    json(req, res, next);
  };
  const principal = (res: Response) => res.locals.principal!;
  const line = (res: Response) => res.locals.line!;

  /** Stores the statements of the request, reading a multipart body as it streams in. */
  const store = async (req: Request, res: Response, shape: (parsed: unknown) => StatementBody): Promise<string[]> => {
    if (!res.locals.multipart) {
      const { statements, single } = shape(req.body);
      return deps.store.store({ statements, single, principal: principal(res), line: line(res) });
    }
    try {
      return await deps.attachments.storeMultipart({ body: req, contentType: req.get('Content-Type')!, principal: principal(res), line: line(res), statementsOf: shape });
    } catch (err) {
      // The rest of an oversized body is not worth reading: answer, then close the connection.
      if ((err as AppError).code === 'PAYLOAD_TOO_LARGE') res.set('Connection', 'close');
      throw err;
    }
  };

  router.put('/', requireScope(deps.auth, 'statements/write', 'write'), body, async (req, res) => {
    const statementId = putStatementId(req.query);
    await store(req, res, (parsed) => putStatements(parsed, statementId));
    res.status(204).end();
  });

  router.post('/', requireScope(deps.auth, 'statements/write', 'write'), body, async (req, res) => {
    if (Object.keys(req.query).length > 0) throw new AppError('INVALID_PARAMETER', `${Object.keys(req.query).join(', ')}: POST /statements takes no parameters`);
    res.status(200).json(await store(req, res, postStatements));
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
      // Communication §2.1.3: multipart/mixed, the statement result first, then each attachment's
      // stored content once; fileUrl-only attachments have no part.
      const boundary = multipartBoundary();
      res.status(200).set('Content-Type', `multipart/mixed; boundary=${boundary}`);
      if (req.method === 'HEAD') return void res.end();
      const parts = await deps.attachments.contents(p.store, result.attachmentShas);
      try {
        await writeMultipartStatements(res, { boundary, json: result.body, parts });
        res.end();
      } catch (err) {
        // Headers are gone: all that can be said now is that the body is incomplete.
        res.destroy(err as Error);
      }
      return;
    }
    // Exactly application/json (Express adds "; charset=utf-8" to res.set and string bodies; the ADL suite compares exactly).
    res.setHeader('Content-Type', 'application/json');
    res.send(Buffer.from(result.body));
  });

  router.all('/', (req) => {
    throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on /statements`);
  });
  return router;
}
