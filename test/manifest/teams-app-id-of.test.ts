import { deriveTeamsAppId, teamsAppIdOf } from '../../src/app-package/teams-app-id';

describe('teamsAppIdOf (the id proactive install finds the app by)', () => {
  const BOT = '11111111-2222-4333-8444-555555555555';
  it('is TEAMS_APP_ID when set, else the id the package derives from the bot id, else null', () => {
    const own = '99999999-0000-4000-8000-000000000009';
    expect(teamsAppIdOf({ TEAMS_APP_ID: own, MicrosoftAppId: BOT })).toBe(own);
    expect(teamsAppIdOf({ MicrosoftAppId: BOT })).toBe(deriveTeamsAppId(BOT));
    expect(teamsAppIdOf({ MicrosoftAppId: BOT })).not.toBe(BOT);
    expect(teamsAppIdOf({})).toBeNull();
  });
});
