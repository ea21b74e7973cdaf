import express, { type Express, type Request } from 'express';
import cors from 'cors';
import type { Container } from './container';
import { xapiVersion } from './http/xapi-version.middleware';
import { errorMiddleware } from './http/error-middleware';
import { alternateSyntax } from './http/alternate-syntax.middleware';
import { statementsRouter } from './statements/statements.router';
import { aboutRouter } from './about/about.router';
import { AppError } from './errors/app-error';
import { documentsRouter } from './documents/documents.router';
import { DOCUMENT_PATHS, type DocumentKind } from './documents/document-params';
import { activitiesRouter } from './activities/activities.router';
import { agentsRouter } from './agents/agents.router';
import { apiRouter } from './api/api.router';
import { dashboardRouter } from './dashboard/dashboard.router';
import { analyticsRouter } from './analytics/analytics.router';

const EXPOSED = ['ETag', 'Last-Modified', 'X-Experience-API-Version', 'X-Experience-API-Consistent-Through', 'Content-Type'];
const ALLOWED = ['Authorization', 'Content-Type', 'X-Experience-API-Version', 'If-Match', 'If-None-Match', 'Accept-Language'];

/** The Express app: the xAPI endpoint under /xapi, the competency API under /api, the analytics page under /dashboard. */
export function createApp(c: Container): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Browser content on any origin posts statements with Basic auth (no cookies), so `*` is safe.
  app.use(cors({
    origin: c.config.corsOrigins === '*' ? '*' : [...c.config.corsOrigins],
    exposedHeaders: EXPOSED,
    allowedHeaders: ALLOWED,
    methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
    maxAge: 86400,
  }));

  const xapi = express.Router();
  xapi.use(alternateSyntax({ bodyLimitBytes: c.config.statements.bodyLimitBytes }));
  xapi.use(xapiVersion({ optionalFor: (req: Request) => req.path === '/about' && (req.method === 'GET' || req.method === 'HEAD') }));
  xapi.use('/about', aboutRouter());
  xapi.use('/statements', statementsRouter({
    auth: c.auth,
    store: c.statements.store,
    query: c.statements.query,
    attachments: c.attachments,
    limits: {
      limitDefault: c.config.statements.limitDefault,
      limitMax: c.config.statements.limitMax,
      bodyLimitBytes: c.config.statements.bodyLimitBytes,
      attachmentMaxBytes: c.config.attachments.maxBytes,
    },
  }));
  // The Document resources sit under /activities and /agents, so they are mounted before those.
  for (const kind of ['state', 'activityProfile', 'agentProfile'] as DocumentKind[]) {
    xapi.use(DOCUMENT_PATHS[kind], documentsRouter({ auth: c.auth, documents: c.documents, kind, bodyLimitBytes: c.config.statements.bodyLimitBytes }));
  }
  xapi.use('/activities', activitiesRouter({ auth: c.auth, activities: c.activities }));
  xapi.use('/agents', agentsRouter({ auth: c.auth, agents: c.agents }));
  xapi.use((req, _res, next) => next(new AppError('NOT_FOUND', `No xAPI resource at ${req.baseUrl}${req.path}`)));
  app.use('/xapi', xapi);
  app.use('/api/analytics', analyticsRouter({ auth: c.auth, analytics: c.analytics.service }));
  app.use('/api', apiRouter({ auth: c.auth, services: c.api, bodyLimitBytes: c.config.statements.bodyLimitBytes, publicUrl: c.config.publicUrl }));
  app.use('/dashboard', dashboardRouter());
  app.get('/health', async (_req, res) => {
    await c.db.command({ ping: 1 });
    res.json({ status: 'ok' });
  });
  app.use((req, res, next) => {
    res.set('X-Experience-API-Version', '2.0.0');
    next(new AppError('NOT_FOUND', `Nothing at ${req.path}; the xAPI endpoint is /xapi`));
  });
  app.use(errorMiddleware(c.logger));
  return app;
}
