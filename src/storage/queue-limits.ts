import { TooLargeError } from '../app/errors';
import { MAX_QUEUE_MESSAGE_BYTES, MAX_RECEIVE_MESSAGES, MAX_VISIBILITY_SECONDS } from '../app/ports-queue';

const wholeIn = (what: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be a whole number from ${min} to ${max}, not ${value}`);
  }
  return value;
};

/** The text as UTF-8, refused (TooLargeError) past MAX_QUEUE_MESSAGE_BYTES. */
export const messageBytes = (text: string): Buffer => {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_QUEUE_MESSAGE_BYTES) {
    throw new TooLargeError(bytes.length, MAX_QUEUE_MESSAGE_BYTES, 'bytes');
  }
  return bytes;
};

/** What the service accepts (it would answer 400): checked before sending, the same on every queue. */
export const checkDelay = (seconds: number): number =>
  wholeIn('delaySeconds', seconds, 0, MAX_VISIBILITY_SECONDS);
export const checkVisibility = (seconds: number): number =>
  wholeIn('visibilitySeconds', seconds, 1, MAX_VISIBILITY_SECONDS);
export const checkReceiveCount = (max: number): number => wholeIn('max', max, 1, MAX_RECEIVE_MESSAGES);
