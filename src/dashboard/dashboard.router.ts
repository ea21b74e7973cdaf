import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../errors/app-error';

/**
 * The page may load scripts, styles, images and data only from this origin: no inline script or
 * style, no eval, no plugins, no framing. The page sets styles through the CSSOM (element.style),
 * which `style-src 'self'` allows, and Chart.js draws on a canvas without injecting CSS.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Path of Chart.js's UMD build under the dashboard (a classic script: no bare imports to resolve). */
export const CHART_JS_PATH = '/vendor/chart.js/chart.umd.min.js';

export interface DashboardRouterOptions {
  /**
   * Folder with the page (index.html, CSS and ES modules).
   * @defaultValue `src/dashboard/public` of this checkout, found from `src/` (ts-jest) or `dist/src/`.
   */
  publicDir?: string;
}

/**
 * /dashboard: the analytics page, served as static files with no build step, and Chart.js from
 * node_modules. The page itself needs no credential: it asks for an API key and secret and sends
 * them (HTTP Basic) only to /api, which checks them on every call.
 */
export function dashboardRouter(options: DashboardRouterOptions = {}): Router {
  const router = Router();
  router.use(securityHeaders);
  const files = findFiles(options.publicDir);
  if ('missing' in files) {
    // A deployment without the page's files still serves the APIs; /dashboard says what is missing.
    router.use((_req, _res, next) => next(new AppError('NOT_FOUND', `The dashboard is not installed with this build: ${files.missing}`)));
    return router;
  }
  // Relative URLs in index.html resolve against /dashboard/, so the bare path redirects there.
  router.use((req, res, next) => {
    if (req.originalUrl.split('?')[0] !== req.baseUrl) return next();
    res.redirect(301, `${req.baseUrl}/`);
  });
  router.use('/vendor/chart.js', express.static(files.chartDist, { index: false, maxAge: '1d' }));
  // maxAge 0: the browser revalidates (ETag) so a new version of the page is picked up at once.
  router.use(express.static(files.publicDir, { index: 'index.html', maxAge: 0 }));
  router.use((req, _res, next) => next(new AppError('NOT_FOUND', `No dashboard file at ${req.baseUrl}${req.path}`)));
  return router;
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  next();
}

/** chart.js exports only its entry points; its dist folder is the one holding the entry. */
function chartJsDist(): string {
  return path.dirname(require.resolve('chart.js'));
}

function findFiles(publicDir?: string): { publicDir: string; chartDist: string } | { missing: string } {
  const candidates = publicDir !== undefined ? [publicDir] : [
    path.join(__dirname, 'public'),
    // Compiled: dist/src/dashboard → the sources' folder (tsc copies no static files).
    path.resolve(__dirname, '..', '..', '..', 'src', 'dashboard', 'public'),
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  // The messages name no server paths: /dashboard answers without authentication.
  if (!found) return { missing: "the page's files (src/dashboard/public) were not deployed" };
  try {
    return { publicDir: found, chartDist: chartJsDist() };
  } catch {
    return { missing: 'the chart.js package is not installed' };
  }
}
