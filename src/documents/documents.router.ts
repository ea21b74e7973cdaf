import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../errors/app-error';
import type { AuthService } from '../auth/auth.service';
import { requireScope } from '../http/authenticate.middleware';
import { DOCUMENT_PATHS, parseDocumentParams, type DocumentKind, type DocumentMethod, type DocumentRequest } from './document-params';
import { etagHeader, etagOf, parseEntityTags, type Preconditions } from './concurrency';
import { DEFAULT_CONTENT_TYPE } from './json-document';
import type { DocumentsService, WrittenVersion } from './documents.service';

declare module 'express-serve-static-core' {
  interface Locals {
    /** The parsed parameters of a Document resource request. */
    documentRequest?: DocumentRequest;
  }
}

/** Options for {@link documentsRouter}. */
export interface DocumentsRouterDeps {
  auth: AuthService;
  documents: DocumentsService;
  /** Which of the three Document resources this router serves. */
  kind: DocumentKind;
  /** Largest document body accepted; larger gets 413 before it is buffered whole. */
  bodyLimitBytes: number;
}

/**
 * One Document resource (State, Activity Profile or Agent Profile): a thin HTTP adapter over the
 * documents service. Parameters are checked before the body is read.
 */
export function documentsRouter(deps: DocumentsRouterDeps): Router {
  const router = Router();
  const resource = DOCUMENT_PATHS[deps.kind];
  // Scopes (Communication §4.2): `state` for State, `profile` for both profile resources; reads also by `all/read`.
  const need = deps.kind === 'state' ? 'state' : 'profile';
  // Documents may have any content type, binary included (Communication §1.5.b1).
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  const params = (method: DocumentMethod) => (req: Request, res: Response, next: NextFunction): void => {
    res.locals.documentRequest = parseDocumentParams(req.query as Record<string, unknown>, { kind: deps.kind, method, line: res.locals.line! });
    next();
  };
  const store = (res: Response) => res.locals.principal!.store;
  const parsed = (res: Response) => res.locals.documentRequest!;
  const versionHeaders = (res: Response, v: WrittenVersion) => {
    res.set('ETag', etagHeader(v.etag));
    res.set('Last-Modified', v.updated.toUTCString());
  };

  // HEAD is answered by this route too, with the same headers and no body (Communication §1.1).
  router.get('/', requireScope(deps.auth, need, 'read'), params('GET'), async (_req, res) => {
    const request = parsed(res);
    if (request.target === 'one') {
      const doc = await deps.documents.get(store(res), request.key);
      if (!doc) throw new AppError('NOT_FOUND', `No document at ${resource} with these parameters`);
      versionHeaders(res, doc);
      res.set('Content-Type', doc.contentType);
      res.send(doc.content);
      return;
    }
    const list = await deps.documents.list(store(res), request.scope, request.since);
    const body = Buffer.from(JSON.stringify(list.ids), 'utf8');
    // §3.1.s4.b1: an ETag on every GET; §2.2.s6.b2: Last-Modified of the newest document listed.
    res.set('ETag', etagHeader(etagOf(body)));
    if (list.lastModified) res.set('Last-Modified', list.lastModified.toUTCString());
    res.type('application/json').send(body);
  });

  router.put('/', requireScope(deps.auth, need, 'write'), params('PUT'), raw, async (req, res) => {
    const written = await deps.documents.put(writeOf(req, res));
    versionHeaders(res, written);
    res.status(204).end();
  });

  router.post('/', requireScope(deps.auth, need, 'write'), params('POST'), raw, async (req, res) => {
    const written = await deps.documents.post(writeOf(req, res));
    versionHeaders(res, written);
    res.status(204).end();
  });

  router.delete('/', requireScope(deps.auth, need, 'write'), params('DELETE'), async (req, res) => {
    const request = parsed(res);
    if (request.target === 'one') await deps.documents.delete(store(res), request.key, preconditionsOf(req));
    else await deps.documents.deleteAll(store(res), request.scope);
    res.status(204).end();
  });

  router.all('/', (req) => {
    throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on ${resource}`);
  });
  return router;
}

function preconditionsOf(req: Request): Preconditions {
  const ifMatch = parseEntityTags(req.get('If-Match'));
  const ifNoneMatch = parseEntityTags(req.get('If-None-Match'));
  return { ...(ifMatch !== undefined ? { ifMatch } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}) };
}

function writeOf(req: Request, res: Response) {
  const request = res.locals.documentRequest!;
  // PUT and POST always name one document (parseDocumentParams requires the id).
  if (request.target !== 'one') throw new AppError('INVALID_PARAMETER', 'A document id parameter is required');
  return {
    store: res.locals.principal!.store,
    key: request.key,
    line: res.locals.line!,
    content: bodyBytes(req.body),
    contentType: req.get('Content-Type') ?? DEFAULT_CONTENT_TYPE,
    preconditions: preconditionsOf(req),
  };
}

/**
 * The request body as bytes. `express.raw` gives a Buffer; a body some earlier middleware already
 * decoded (the 1.0.3 alternate request syntax carries the content as a form field) arrives as a
 * string, which Communication §1.3.s3.b5 says is UTF-8.
 */
function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(body), 'utf8');
}
