import type { Category, InstallResult, Platform, Rating, Severity } from './feedback';

/** Feedback values as people read them: the form's choice titles, the cards, the CSV export. */

export const RATING_LABELS: Readonly<Record<Rating, string>> = {
  1: '1 – Poor',
  2: '2 – Fair',
  3: '3 – Good',
  4: '4 – Very good',
  5: '5 – Excellent',
};

export const INSTALL_LABELS: Readonly<Record<InstallResult, string>> = {
  yes: 'Yes',
  partly: 'Partly',
  no: 'No',
};

export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  install: 'Installation',
  'sign-in': 'Sign-in',
  functionality: 'Functionality',
  performance: 'Performance',
  other: 'Other',
};

/** Severity in a word (summaries, notices, the CSV). */
export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  blocker: 'Blocker',
  major: 'Major',
  minor: 'Minor',
  none: 'None',
};

/** Severity as the form explains it to the person answering. */
export const SEVERITY_DESCRIPTIONS: Readonly<Record<Severity, string>> = {
  blocker: "Blocker – I can't work",
  major: 'Major – a serious problem',
  minor: 'Minor – an annoyance',
  none: 'None – no problem',
};

export const PLATFORM_LABELS: Readonly<Record<Platform, string>> = {
  windows: 'Windows',
  macos: 'macOS',
  ios: 'iOS/iPadOS',
  android: 'Android',
  linux: 'Linux',
  web: 'Web',
};
