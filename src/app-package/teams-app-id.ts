import { createHash } from 'node:crypto';

/** This project's fixed namespace for name-based (UUIDv5) ids; never change it (ids would move). */
export const TEAMS_APP_ID_NAMESPACE = '3f1d7c52-9a0e-4b8e-8c61-5d2a7e4b9f03';

/** RFC 9562 UUIDv5: SHA-1 of namespace + name, with the version and variant bits set. */
export const uuidV5 = (name: string, namespace: string): string => {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * The Teams app's id when TEAMS_APP_ID is not set: derived from the bot's id, so every package of
 * one bot is the same Teams app (an upload updates it instead of adding a second app), and it
 * differs from the bot id itself.
 */
export const deriveTeamsAppId = (microsoftAppId: string): string =>
  uuidV5(`rollout-coordinator/teams-app/${microsoftAppId.toLowerCase()}`, TEAMS_APP_ID_NAMESPACE);

/**
 * The Teams app's id as the package has it (the manifest's `id`, Graph's `externalId` in the
 * org catalog: what proactive install looks the app up by): TEAMS_APP_ID, else derived from the
 * bot's id; null without a bot id (anonymous mode has no package).
 */
export const teamsAppIdOf = (config: {
  TEAMS_APP_ID?: string | undefined;
  MicrosoftAppId?: string | undefined;
}): string | null =>
  config.TEAMS_APP_ID ?? (config.MicrosoftAppId ? deriveTeamsAppId(config.MicrosoftAppId) : null);
