import type * as TeamsJs from '@microsoft/teams-js';
import type { RolloutRow } from '../../../src/tab/api-types';
import { describe } from '../api';
import { rolloutTabUrl } from '../urls';

/**
 * The configuration page's save: Teams calls it when the person selects Save; it pins the chosen
 * rollout (`rollout-<id>`, content and website URL `/tab/?rollout=<id>`). Throws when Teams did
 * not open this page as a tab's settings.
 */
export const registerSave = (teams: typeof TeamsJs, chosen: () => RolloutRow | null): void => {
  const { pages } = teams;
  pages.config.registerOnSaveHandler((saveEvent) => {
    const row = chosen();
    if (row === null) {
      saveEvent.notifyFailure('Choose a rollout first.');
      return;
    }
    const url = rolloutTabUrl(row.id);
    pages.config
      .setConfig({
        entityId: `rollout-${row.id}`,
        contentUrl: url,
        websiteUrl: url,
        suggestedDisplayName: row.name,
      })
      .then(
        () => saveEvent.notifySuccess(),
        (error: unknown) => saveEvent.notifyFailure(describe(error)),
      );
  });
};
