/**
 * The dashboard tab's pages and assets, built by `npm run build` (web/build.mjs) into
 * dist/web/tab/ and served as files: `/tab/` (the personal and pinned dashboard), `/tab/config`
 * (the configurable tab's configuration page) and `/tab/assets/<file>`. Each page may be framed by
 * Teams' and Microsoft 365's origins only, and fetches nothing but from the bot itself.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { projectRoot } from '../project-root';

/** The hosts that may frame the tab (Microsoft's "tab requirements": Teams, Microsoft 365, Outlook). */
export const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook-sdf.office.com',
  'https://outlook-sdf.office365.com',
] as const;

/**
 * Scripts and styles from the bot only (Fluent UI's CSS-in-JS inserts style elements: inline
 * styles, no inline script); the API, images and fonts from the bot only; no forms, no plug-ins.
 */
export const TAB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  `frame-ancestors ${FRAME_ANCESTORS.join(' ')}`,
].join('; ');

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': TAB_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin-allow-popups',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** An asset's name: letters, digits, dot, dash and underscore, with a known extension (no path). */
const ASSET = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,120}$/;

export const tabDirectory = (): string => join(projectRoot(), 'dist', 'web', 'tab');

const NOT_BUILT =
  'The dashboard tab is not built: run `npm run build` (npm install does it) and restart the bot.';

const sendFile = async (res: Response, file: string, cache: string): Promise<void> => {
  const ext = file.slice(file.lastIndexOf('.'));
  const type = TYPES[ext];
  let body: Buffer;
  try {
    if (!type || !(await stat(file)).isFile()) throw new Error('not a file');
    body = await readFile(file);
  } catch {
    res.writeHead(404, {
      ...PAGE_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(file.endsWith('.html') ? `${NOT_BUILT}\n` : 'Not found.\n');
    return;
  }
  res.writeHead(200, {
    ...PAGE_HEADERS,
    'Content-Type': type,
    'Cache-Control': cache,
    'Content-Length': body.length,
  });
  res.end(body);
};

/** Pages are never cached (a new build shows at once); content-hashed assets are cached a year. */
export const registerTabPages = (server: Server, directory: string = tabDirectory()): void => {
  const page = (name: string) => async (_req: Request, res: Response) =>
    sendFile(res, join(directory, name), 'no-cache');
  // Relative, so a reverse proxy's path prefix is kept.
  server.get('/tab', async (req: Request, res: Response) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    res.writeHead(301, { Location: `tab/${q >= 0 ? url.slice(q) : ''}`, 'Cache-Control': 'no-cache' });
    res.end();
  });
  server.get('/tab/', page('index.html'));
  server.get('/tab/config', page('config.html'));
  server.get('/tab/assets/:file', async (req: Request, res: Response) => {
    const name = String((req.params as Record<string, unknown> | undefined)?.file ?? '');
    if (!ASSET.test(name) || name.includes('..')) {
      res.writeHead(404, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      return void res.end('Not found.\n');
    }
    const hashed = /-[A-Za-z0-9]{8}\.[a-z0-9]+$/.test(name);
    await sendFile(
      res,
      join(directory, 'assets', name),
      hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  });
};
