import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../errors/app-error';
import { parseVersionHeader } from '../xapi/xapi-version';

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);
// xAPI 1.0.3 Communication §1.3: form fields that stand for headers; `content` is the body.
const HEADER_FIELDS = new Set(['authorization', 'x-experience-api-version', 'content-type', 'content-length', 'if-match', 'if-none-match']);

/**
 * xAPI 1.0.3 Communication §1.3 (Alternate Request Syntax), for clients that cannot send custom
 * headers or methods cross-origin: `POST ...?method=PUT` with a form whose fields are headers,
 * `content` (the body) and the resource's parameters. The request is rewritten into the ordinary
 * one and handed on, so every resource supports it. xAPI 2.0 removed it: a 2.0 request using it
 * is rejected. The rewritten body is left as a Buffer in `req.body` (the stream has been read);
 * routers that expect JSON parse it (see `jsonBody`).
 */
export function alternateSyntax(opts: { bodyLimitBytes: number }) {
  const form = express.urlencoded({ extended: false, limit: opts.bodyLimitBytes, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    const method = req.query.method;
    if (method === undefined) return next();
    if (parseVersionHeader(req.get('X-Experience-API-Version')) === '2.0') {
      return next(new AppError('BAD_REQUEST', 'method: the alternate request syntax is not part of xAPI 2.0'));
    }
    if (req.method !== 'POST') return next(new AppError('BAD_REQUEST', 'method: the alternate request syntax is sent with POST only'));
    const extra = Object.keys(req.query).filter((k) => k !== 'method');
    if (extra.length > 0) return next(new AppError('BAD_REQUEST', `${extra.join(', ')}: with the alternate request syntax, parameters go in the form body, not the query string`));
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) return next(new AppError('BAD_REQUEST', 'method: must be one of GET, HEAD, PUT, POST, DELETE'));
    if ((req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
      return next(new AppError('BAD_REQUEST', 'Content-Type: the alternate request syntax needs application/x-www-form-urlencoded'));
    }
    form(req, res, (err?: unknown) => {
      if (err) return next(err);
      const fields = (req.body ?? {}) as Record<string, unknown>;
      const params = new URLSearchParams();
      let content: string | undefined;
      for (const [key, value] of Object.entries(fields)) {
        if (typeof value !== 'string') return next(new AppError('BAD_REQUEST', `${key}: form fields must be given once`));
        const lower = key.toLowerCase();
        if (HEADER_FIELDS.has(lower)) req.headers[lower] = value;
        else if (key === 'content') content = value;
        else params.append(key, value);
      }
      if (parseVersionHeader(req.get('X-Experience-API-Version')) === '2.0') {
        return next(new AppError('BAD_REQUEST', 'method: the alternate request syntax is not part of xAPI 2.0'));
      }
      req.method = method.toUpperCase();
      const query = params.toString();
      req.url = `${req.path}${query ? `?${query}` : ''}`;
      if (content !== undefined) {
        req.body = Buffer.from(content, 'utf8');
        req.headers['content-length'] = String((req.body as Buffer).length);
        if (!fields['Content-Type'] && !fields['content-type']) req.headers['content-type'] = 'application/json';
      } else {
        req.body = undefined;
        delete req.headers['content-type'];
        delete req.headers['content-length'];
      }
      next();
    });
  };
}

/**
 * JSON body for routers: parses the stream, or a Buffer the alternate syntax left in `req.body`.
 */
export function jsonBody(opts: { limit: number }) {
  const parse = express.json({ limit: opts.limit, strict: false, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (Buffer.isBuffer(req.body)) {
        try {
          req.body = JSON.parse(req.body.toString('utf8'));
        } catch (e) {
          return next(new AppError('BAD_REQUEST', `content: not valid JSON: ${(e as Error).message}`));
        }
      }
      next();
    });
  };
}
