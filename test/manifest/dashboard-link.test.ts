import { dashboardLink } from '../../src/app-package/dashboard-link';
import { deriveTeamsAppId } from '../../src/app-package/teams-app-id';

const BOT_ID = '11111111-2222-4333-8444-555555555555';
const TEAMS_APP_ID = '99999999-8888-4777-8666-555555555555';
/** An id with every character a URL or JSON treats specially (rollout ids are UUIDs; the link must not care). */
const AWKWARD = 'ro 1/&?#="\\\'é';

const contextOf = (link: string): unknown => JSON.parse(new URL(link).searchParams.get('context') ?? 'null');

describe('dashboardLink', () => {
  it('TABS=false: no link, in either mode', () => {
    expect(
      dashboardLink({ TABS: false, MicrosoftAppId: BOT_ID, TEAMS_APP_ID: undefined }, () => 'x'),
    ).toBeNull();
    expect(
      dashboardLink({ TABS: false, MicrosoftAppId: undefined, TEAMS_APP_ID: undefined }, () => 'x'),
    ).toBeNull();
  });

  it('in Teams: a deep link to the personal "rollouts" tab of the Teams app, the rollout as subEntityId', () => {
    const link = dashboardLink({ TABS: true, MicrosoftAppId: BOT_ID, TEAMS_APP_ID: undefined }, () => {
      throw new Error('the Teams link needs no base URL');
    });
    const id = 'a1b2c3d4-0000-4000-8000-000000000001';
    expect(link?.(id)).toBe(
      `https://teams.microsoft.com/l/entity/${deriveTeamsAppId(BOT_ID)}/rollouts?context=` +
        '%7B%22subEntityId%22%3A%22a1b2c3d4-0000-4000-8000-000000000001%22%7D',
    );
    expect(contextOf(link?.(id) ?? '')).toEqual({ subEntityId: id });
  });

  it('in Teams: TEAMS_APP_ID, when set, is the app the link opens', () => {
    const link = dashboardLink({ TABS: true, MicrosoftAppId: BOT_ID, TEAMS_APP_ID }, () => 'x');
    expect(new URL(link?.('r') ?? '').pathname).toBe(`/l/entity/${TEAMS_APP_ID}/rollouts`);
  });

  it('in Teams: an id with special characters is encoded and comes back whole', () => {
    const link = dashboardLink(
      { TABS: true, MicrosoftAppId: BOT_ID, TEAMS_APP_ID: undefined },
      () => 'x',
    )?.(AWKWARD);
    // encodeURIComponent's output only: nothing that would end or split the query.
    expect(link?.split('?context=')[1]).toMatch(/^[A-Za-z0-9%\-_.!~*'()]+$/);
    const url = new URL(link ?? '');
    expect([...url.searchParams.keys()]).toEqual(['context']);
    expect(contextOf(link ?? '')).toEqual({ subEntityId: AWKWARD });
  });

  it('locally (no bot id): the page on the bot, read from the base URL at each link', () => {
    let base = 'http://localhost:3978';
    const link = dashboardLink({ TABS: true, MicrosoftAppId: undefined, TEAMS_APP_ID }, () => base);
    expect(link?.('ro-1')).toBe('http://localhost:3978/tab/?rollout=ro-1');
    base = 'https://rollout.contoso.com';
    expect(link?.('ro-1')).toBe('https://rollout.contoso.com/tab/?rollout=ro-1');
    const awkward = new URL(link?.(AWKWARD) ?? '');
    expect(awkward.pathname).toBe('/tab/');
    expect([...awkward.searchParams.entries()]).toEqual([['rollout', AWKWARD]]);
  });
});
