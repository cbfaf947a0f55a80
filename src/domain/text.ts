const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text with every lone surrogate (half of a UTF-16 pair, which no encoder can write: it makes
 * `encodeURIComponent` throw and is stored as garbage) replaced by U+FFFD. Linear time.
 */
export const wellFormed = (text: string): string =>
  LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
