import type * as TeamsJs from '@microsoft/teams-js';
import type { TokenSource } from './api';

/** Teams' theme names (`glass` and anything unknown read as `default`). */
export type ThemeName = 'default' | 'dark' | 'contrast';

export const themeName = (value: string | null | undefined): ThemeName =>
  value === 'dark' || value === 'contrast' ? value : 'default';

/** How long to wait for Teams to answer `app.initialize()`: it waits forever when no host answers. */
export const TEAMS_INIT_TIMEOUT_MS = 5_000;

export interface BrowserHost {
  kind: 'browser';
  theme: ThemeName;
}

export interface TeamsHost {
  kind: 'teams';
  theme: ThemeName;
  /** The deep link's sub-page (a rollout id), or null. */
  subPageId: string | null;
  /** The tab's entity id (`rollout-<id>` for a pinned rollout). */
  pageId: string | null;
  tokens: TokenSource;
  onThemeChange(handler: (theme: ThemeName) => void): void;
  notifySuccess(): void;
  notifyFailure(message: string): void;
  teams: typeof TeamsJs;
}

/** Framed, but no Teams host answered in time. */
export interface UnreachableHost {
  kind: 'unreachable';
  theme: ThemeName;
  message: string;
}

export type Host = BrowserHost | TeamsHost | UnreachableHost;

export const NOT_IN_TEAMS_MESSAGE = 'This page only works inside Microsoft Teams or opened directly.';

const isTopLevel = (): boolean => {
  try {
    return window.top === window;
  } catch {
    // A cross-origin parent: framed.
    return false;
  }
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

/**
 * The page fetches from the bot only (its CSP says `connect-src 'self'`). teams-js fetches its
 * list of valid host origins from a CDN as soon as it is imported, and again for a message from an
 * origin not on its built-in list; the CSP would block that with a violation in the console. Here
 * such a fetch fails at once instead, as a blocked one does, and teams-js uses its built-in list.
 */
const sameOriginFetchOnly = (): void => {
  const own = window.fetch.bind(window);
  window.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin) {
      return Promise.reject(new TypeError(`Not fetched: ${url.origin} is not this page's origin.`));
    }
    return own(input, init);
  };
};

/**
 * Where the page runs. A top-level page is not in Teams: teams-js is never loaded there (it fails at
 * once and fetches its valid-domains list from a CDN). Framed: teams-js is loaded lazily and
 * `app.initialize()` raced against a timeout.
 */
export const detectHost = async (
  queryTheme: string | null,
  timeoutMs: number = TEAMS_INIT_TIMEOUT_MS,
): Promise<Host> => {
  if (isTopLevel()) return { kind: 'browser', theme: themeName(queryTheme) };
  let teams: typeof TeamsJs;
  sameOriginFetchOnly();
  try {
    teams = await import('@microsoft/teams-js');
  } catch {
    return {
      kind: 'unreachable',
      theme: themeName(queryTheme),
      message: 'The Teams library could not be loaded.',
    };
  }
  try {
    const ready = await withTimeout(teams.app.initialize(), timeoutMs);
    if (ready === 'timeout')
      return { kind: 'unreachable', theme: themeName(queryTheme), message: NOT_IN_TEAMS_MESSAGE };
  } catch {
    return { kind: 'unreachable', theme: themeName(queryTheme), message: NOT_IN_TEAMS_MESSAGE };
  }
  const context = await withTimeout(teams.app.getContext(), timeoutMs).catch(() => 'timeout' as const);
  const ctx = context === 'timeout' ? null : context;
  let cached: Promise<string> | null = null;
  const tokens: TokenSource = {
    token(fresh) {
      if (cached === null || fresh) {
        const asked = teams.authentication.getAuthToken();
        cached = asked;
        asked.catch(() => {
          if (cached === asked) cached = null;
        });
        return asked;
      }
      return cached;
    },
  };
  return {
    kind: 'teams',
    theme: themeName(ctx?.app.theme),
    subPageId: nonEmpty(ctx?.page.subPageId),
    pageId: nonEmpty(ctx?.page.id),
    tokens,
    onThemeChange: (handler) => teams.app.registerOnThemeChangeHandler((theme) => handler(themeName(theme))),
    notifySuccess: () => {
      void teams.app.notifySuccess().catch(() => undefined);
    },
    notifyFailure: (message) => teams.app.notifyFailure({ reason: teams.app.FailedReason.Other, message }),
    teams,
  };
};

const nonEmpty = (value: string | undefined): string | null =>
  value !== undefined && value.trim() !== '' ? value.trim() : null;

/** The rollout a Teams page opens: the deep link's sub-page, else the pinned tab's entity id. */
export const rolloutFromTeams = (host: TeamsHost): string | null => {
  if (host.subPageId !== null) return host.subPageId;
  if (host.pageId !== null && host.pageId.startsWith('rollout-')) return host.pageId.slice('rollout-'.length);
  return null;
};
