/**
 * Where the page's API and its own tab URL are, relative to the page itself, so a reverse-proxy
 * path prefix keeps working: `/tab/` and `/tab/config` → `/api/tab/…`.
 */

/** The tab API's URL for `path` (no leading slash), e.g. `rollouts/abc`. */
export const apiUrl = (path: string, href: string = location.href): URL =>
  new URL(`../api/tab/${path}`, href);

/** The personal tab's page (`/tab/`), from either page. */
export const tabPageUrl = (href: string = location.href): URL => {
  const url = new URL('./', href);
  url.search = '';
  url.hash = '';
  return url;
};

/** The content URL of a pinned rollout: `<origin>/<prefix>/tab/?rollout=<id>`. */
export const rolloutTabUrl = (id: string, href: string = location.href): string => {
  const url = tabPageUrl(href);
  url.searchParams.set('rollout', id);
  return url.toString();
};

export interface PageParams {
  rollout: string | null;
  theme: string | null;
}

export const pageParams = (search: string = location.search): PageParams => {
  const params = new URLSearchParams(search);
  const rollout = params.get('rollout');
  return {
    rollout: rollout !== null && rollout.trim() !== '' ? rollout.trim() : null,
    theme: params.get('theme'),
  };
};
