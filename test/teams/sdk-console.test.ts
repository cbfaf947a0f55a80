import pino from 'pino';
import { routeConsoleToLogger, scrubSecrets } from '../../src/teams/sdk-console';

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJhdWQiOiJib3QiLCJleHAiOjF9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';

describe('botbuilder console output', () => {
  it.each([
    [`Authorization: Bearer ${JWT}`, 'Authorization: Bearer [redacted]'],
    [`token ${JWT} failed`, 'token [token] failed'],
    ['client_secret=s3cr3t&scope=x', 'client_secret=[redacted]&scope=x'],
    ['{"password":"hunter2"}', '{"password":"[redacted]"}'],
    ['Available keys: -----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----', 'Available keys: [key]'],
  ])('scrubs %j', (input, output) => {
    expect(scrubSecrets(input)).toBe(output);
  });

  it('goes through the logger as one line per call, scrubbed, until restored', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const { error, warn } = console;
    const restore = routeConsoleToLogger(logger);
    try {
      console.error(new Error(`something broke: ${JWT}`));
      console.warn('BadRequest: Missing activity or activity type.');
      console.error(
        'Error finding key for token. Available keys: -----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
      );
    } finally {
      restore();
    }
    expect(console.error).toBe(error);
    expect(console.warn).toBe(warn);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        source: 'console',
        msg: expect.stringMatching(/^Error: something broke: \[token\]/),
      }),
      expect.objectContaining({
        level: 40,
        source: 'console',
        msg: 'BadRequest: Missing activity or activity type.',
      }),
      // A token-validation detail (the request is refused with 401 and logged): warn, not error.
      expect.objectContaining({
        level: 40,
        source: 'console',
        msg: 'Error finding key for token. Available keys: [key]',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(JWT);
  });
});
