/**
 * The benchmarks' HTTP client for the API on 127.0.0.1 (no dependency): one request, its answer
 * and how long it took.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpRequest {
  /** @defaultValue 'GET' */
  method?: string;
  path: string;
  /** The Authorization header, e.g. `benchCredentials(...).auth` (bench/lib/api.ts). */
  auth?: string;
  /** The X-Experience-API-Version header; none when absent. */
  version?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The body's Content-Type. @defaultValue 'application/json' */
  contentType?: string;
  /** A keep-alive agent of the caller's; Node's global agent when absent. */
  agent?: http.Agent;
  /** false: count the answer's bytes and drop them (a 50 MB download is not kept). @defaultValue true */
  keepBody?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The answer's body (empty with `keepBody: false`). */
  body: Buffer;
  bytes: number;
  /** From sending the request to the end of the answer. */
  ms: number;
}

export function httpRequest(port: number, req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const headers: Record<string, string | number> = {};
    if (req.version !== undefined) headers['X-Experience-API-Version'] = req.version;
    if (req.auth !== undefined) headers.Authorization = req.auth;
    Object.assign(headers, req.headers);
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    const keep = req.keepBody ?? true;
    const r = http.request({ host: '127.0.0.1', port, method: req.method ?? 'GET', path: req.path, agent: req.agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}
