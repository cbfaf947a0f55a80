import pino, { type Logger } from 'pino';

/** JSON logs, one line per event; secrets are redacted wherever they appear. */
export const createLogger = (level: string): Logger =>
  pino({
    level,
    base: { service: 'rollout-coordinator' },
    redact: {
      paths: [
        'MicrosoftAppPassword',
        'STORAGE_CONNECTION_STRING',
        'headers.authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  });
