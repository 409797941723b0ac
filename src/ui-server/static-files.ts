// The built single-page app (dist/ui): index.html with the page token, hashed assets cached forever, security headers on everything.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ui, beside dist/src (this file is dist/src/ui-server/static-files.js once built). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

export const TOKEN_PLACEHOLDER = '__PORIN_TOKEN__';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** CodeMirror injects <style> elements: styles need 'unsafe-inline'; scripts come only from this server. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

/** Client-side routes that all serve the app. */
const APP_ROUTES = new Set(['/', '/index.html', '/map', '/flows', '/policy']);

export class StaticFiles {
  private readonly index: string | undefined;

  constructor(
    readonly dir: string,
    token: string,
  ) {
    const file = join(dir, 'index.html');
    this.index = existsSync(file)
      ? readFileSync(file, 'utf8').replaceAll(TOKEN_PLACEHOLDER, token)
      : undefined;
  }

  get built(): boolean {
    return this.index !== undefined;
  }

  /** Serves `path` if it is the app or one of its files; false when it is neither. */
  serve(path: string, res: ServerResponse, head: boolean): boolean {
    if (APP_ROUTES.has(path)) {
      if (this.index === undefined) {
        const text = `The Porin UI was not built (no ${join(this.dir, 'index.html')}): run npm run build\n`;
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end(head ? undefined : text);
        return true;
      }
      res.writeHead(200, {
        'content-type': TYPES['.html']!,
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(this.index),
      });
      res.end(head ? undefined : this.index);
      return true;
    }
    if (!path.startsWith('/assets/') && path !== '/favicon.svg') return false;
    const file = normalize(join(this.dir, path));
    if (!file.startsWith(this.dir.endsWith(sep) ? this.dir : this.dir + sep)) return false;
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return false;
      size = st.size;
    } catch {
      return false;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      // Vite puts a content hash in every asset name.
      'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(head ? undefined : readFileSync(file));
    return true;
  }
}
