import type { Config } from '../config';
import { teamsAppIdOf } from './teams-app-id';

/** The personal dashboard tab's `entityId` in `manifest/manifest.json` (a deep link names it). */
export const DASHBOARD_ENTITY_ID = 'rollouts';

/** The tab's page on the bot: `/tab/`; `?rollout=<id>` opens one rollout. */
export const DASHBOARD_PATH = '/tab/';

/**
 * Where the status card's "Open dashboard" goes for a rollout, or null when there is no dashboard
 * (TABS=false).
 *
 * - In Teams (MicrosoftAppId set, so a Teams app package): a deep link to the personal "Rollouts" tab at
 *   that rollout, `https://teams.microsoft.com/l/entity/<teamsAppId>/rollouts?context=…` with
 *   `{"subEntityId":"<rolloutId>"}` as its context, which the page reads as
 *   `app.getContext().page.subPageId`. The app id is the Teams app's (the manifest's `id`).
 * - Locally (anonymous bot, no MicrosoftAppId, no package): the page itself in the browser,
 *   `<publicBaseUrl>/tab/?rollout=<rolloutId>`. `publicBaseUrl` is read at each link: the server
 *   knows its address only once it listens.
 */
export const dashboardLink = (
  config: Pick<Config, 'TABS' | 'MicrosoftAppId' | 'TEAMS_APP_ID'>,
  publicBaseUrl: () => string,
): ((rolloutId: string) => string) | null => {
  if (!config.TABS) return null;
  // Anonymous (no bot id) is local mode, whatever TEAMS_APP_ID says: there is no package to link into.
  const teamsAppId = config.MicrosoftAppId ? teamsAppIdOf(config) : null;
  if (!teamsAppId)
    return (rolloutId) => `${publicBaseUrl()}${DASHBOARD_PATH}?rollout=${encodeURIComponent(rolloutId)}`;
  const base = `https://teams.microsoft.com/l/entity/${encodeURIComponent(teamsAppId)}/${DASHBOARD_ENTITY_ID}`;
  return (rolloutId) => `${base}?context=${encodeURIComponent(JSON.stringify({ subEntityId: rolloutId }))}`;
};
