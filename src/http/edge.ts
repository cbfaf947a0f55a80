import type { Next, Request, Response } from 'restify';
import { parseJsonBody } from './json-body';
import { LIMITS } from './limits';

/** The error body of every route: `{ error: { code, message } }`, never cached. */
export const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.header('Cache-Control', 'no-store');
  res.json(status, { error: { code, message } });
};

/** Answers and closes the connection: the rest of an unread body is never read. */
const refuse = (res: Response, status: number, code: string, message: string): void => {
  res.header('Connection', 'close');
  sendError(res, status, code, message);
};

/**
 * Runs before routing and before any body is read: Teams never compresses what it sends, so any
 * Content-Encoding other than identity is refused (415) — no body is ever inflated — and a
 * declared Content-Length over the limit is refused (413) unread.
 */
export const edgeGuard = (req: Request, res: Response, next: Next): void => {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    refuse(res, 415, 'UnsupportedMediaType', 'Compressed request bodies are not accepted.');
    return next(false);
  }
  const length = req.headers['content-length'];
  if (length !== undefined && !(/^\d+$/.test(length) && Number(length) <= LIMITS.bodyBytes)) {
    refuse(res, 413, 'PayloadTooLarge', `The request body is over ${LIMITS.bodyBytes} bytes.`);
    return next(false);
  }
  next();
};

type Read = { ok: true; body: Buffer } | { ok: false; status: number; code: string; message: string };

/** Reads the body up to `LIMITS.bodyBytes` within `timeoutMs`; never throws. */
const readBody = (req: Request, timeoutMs: number): Promise<Read> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: Read): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({ ok: false, status: 408, code: 'RequestTimeout', message: 'The request body was too slow.' }),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > LIMITS.bodyBytes) {
        finish({
          ok: false,
          status: 413,
          code: 'PayloadTooLarge',
          message: `The request body is over ${LIMITS.bodyBytes} bytes.`,
        });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ ok: true, body: Buffer.concat(chunks) }));
    const aborted = (): void =>
      finish({ ok: false, status: 400, code: 'BadRequest', message: 'The request body was cut off.' });
    req.once('aborted', aborted);
    req.once('error', aborted);
    req.once('close', () => {
      if (!req.complete) aborted();
    });
  });

const mediaType = (req: Request): string =>
  (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/**
 * The only body reader (restify's is never used: its gunzip stream has no error handler). Bodies
 * of POST and PUT requests are read bounded in size and time; JSON is parsed and checked (depth, size,
 * prototype keys, lone surrogates); forms become a plain record. Anything else is refused (415).
 */
export const bodyReader = async (req: Request, res: Response, timeoutMs: number): Promise<boolean> => {
  if (req.method !== 'POST' && req.method !== 'PUT') return true;
  const read = await readBody(req, timeoutMs);
  if (!read.ok) {
    refuse(res, read.status, read.code, read.message);
    return false;
  }
  const text = read.body.toString('utf8');
  const type = mediaType(req);
  if (type === 'application/json' || (type === '' && text.trim() !== '')) {
    const parsed = parseJsonBody(text);
    if (!parsed.ok) {
      refuse(res, 400, 'BadRequest', parsed.message);
      return false;
    }
    req.body = parsed.value;
    return true;
  }
  if (type === 'application/x-www-form-urlencoded') {
    req.body = Object.fromEntries(new URLSearchParams(text));
    return true;
  }
  if (text.length === 0) {
    req.body = undefined;
    return true;
  }
  refuse(res, 415, 'UnsupportedMediaType', 'The body must be application/json.');
  return false;
};
