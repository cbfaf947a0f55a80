import type { Category, InstallResult, Platform, Severity } from '../../src/domain/feedback';

/** The feedback card's choices (the domain's lists; type-checked against them). */
export const RATINGS = [1, 2, 3, 4, 5] as const;
export const INSTALL_RESULTS = ['yes', 'partly', 'no'] as const satisfies readonly InstallResult[];
export const CATEGORIES = [
  'install',
  'sign-in',
  'functionality',
  'performance',
  'other',
] as const satisfies readonly Category[];
export const SEVERITIES = ['blocker', 'major', 'minor', 'none'] as const satisfies readonly Severity[];
export const PLATFORMS = [
  'windows',
  'macos',
  'ios',
  'android',
  'linux',
  'web',
] as const satisfies readonly Platform[];
export const MAX_COMMENT_LENGTH = 2000;
export const MAX_NOTE_LENGTH = 500;

export const INSTALLED_LABELS: Record<string, string> = { yes: 'Yes', partly: 'Partly', no: 'No' };
export const CATEGORY_LABELS: Record<string, string> = {
  install: 'Install',
  'sign-in': 'Sign-in',
  functionality: 'Functionality',
  performance: 'Performance',
  other: 'Other',
};
export const SEVERITY_LABELS: Record<string, string> = {
  blocker: 'Blocker',
  major: 'Major',
  minor: 'Minor',
  none: 'None',
};
export const PLATFORM_LABELS: Record<string, string> = {
  windows: 'Windows',
  macos: 'macOS',
  ios: 'iOS',
  android: 'Android',
  linux: 'Linux',
  web: 'Web',
};

export const label = (labels: Record<string, string>, key: string): string => labels[key] ?? key;

/** Compile-time: every domain choice is offered (a new one in the domain fails the web type-check). */
type Complete<All, Offered> = [Exclude<All, Offered>] extends [never] ? true : false;
const complete: [
  Complete<Category, (typeof CATEGORIES)[number]>,
  Complete<Severity, (typeof SEVERITIES)[number]>,
  Complete<InstallResult, (typeof INSTALL_RESULTS)[number]>,
  Complete<Platform, (typeof PLATFORMS)[number]>,
] = [true, true, true, true];
void complete;
