import { format } from 'node:util';
import type { Logger } from 'pino';

/** Tokens, bearer credentials, keys and secrets never reach a log line, whatever wrote them. */
export const scrubSecrets = (text: string): string =>
  text
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[key]')
    .replace(/\b(Bearer|Basic)\s+[^\s,;"']+/gi, '$1 [redacted]')
    .replace(/\beyJ[\w-]{4,}\.[\w-]*\.[\w-]*/g, '[token]')
    .replace(
      /((?:client_secret|client_assertion|password|secret|access_token|refresh_token)["']?\s*[=:]\s*["']?)[^\s&,"']+/gi,
      '$1[redacted]',
    );

/**
 * What botbuilder console.error()s while it validates a token (an expired token's error, "Error
 * finding key for token"): the request is answered 401 and logged by the adapter, so these are a
 * client's fault, not the server's, and are logged at warn.
 */
const TOKEN_DETAIL = /TokenExpiredError|jwt expired|Error finding key for token/;

let routed: { logger: Logger; restore: () => void } | null = null;

/**
 * botbuilder writes some errors with console.error / console.warn (a failed turn, an expired
 * token), beside the bot's JSON logs: from here on both go through `logger` (as one line each, at
 * error / warn, `source: "console"`; token-validation details at warn), scrubbed of tokens and
 * secrets. Returns the function that
 * restores the console. Routing again moves the console to the newer logger.
 */
export const routeConsoleToLogger = (logger: Logger): (() => void) => {
  routed?.restore();
  const { error, warn } = console;
  const line = (args: unknown[]) => scrubSecrets(format(...args));
  console.error = (...args: unknown[]) => {
    const text = line(args);
    if (TOKEN_DETAIL.test(text)) logger.warn({ source: 'console' }, text);
    else logger.error({ source: 'console' }, text);
  };
  console.warn = (...args: unknown[]) => logger.warn({ source: 'console' }, line(args));
  const restore = () => {
    console.error = error;
    console.warn = warn;
    if (routed?.restore === restore) routed = null;
  };
  routed = { logger, restore };
  return restore;
};
