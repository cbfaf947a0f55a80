import pino from 'pino';
import { dashboardLink } from '../../src/app-package/dashboard-link';
import { deriveTeamsAppId } from '../../src/app-package/teams-app-id';
import type { Deps } from '../../src/app/ports';
import { ACTIONS } from '../../src/teams/actions';
import { COMMANDS } from '../../src/teams/commands';
import { Router } from '../../src/teams/router';
import type { Reply, Turn } from '../../src/teams/turn';
import { ADMIN, COORDINATION, makeDeps, rolloutAfter, TENANT } from '../app/support';
import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';

const BOT_ID = '11111111-2222-4333-8444-555555555555';

interface OpenUrl {
  type: string;
  title?: string;
  url?: string;
}

let azurite: TestAzurite;
beforeAll(async () => {
  azurite = await startTestAzurite();
}, 60_000);
afterAll(() => azurite.stop());

/** Deps over Azurite tables, with these settings; one rollout in the coordination channel. */
const setup = async (settings: Partial<Deps['settings']>) => {
  const table = (base: string) => azureTableFor(azurite.endpoint, uniqueTableName(base));
  const deps = makeDeps(await table('ro'), await table('fb'), await table('so'));
  deps.settings = { ...deps.settings, ...settings };
  const rolloutId = await rolloutAfter(deps, 1);
  return { deps, rolloutId };
};

let n = 0;
/** Runs `text` in the coordination channel as the admin; the replies sent. */
const run = async (deps: Deps, text: string): Promise<Reply[]> => {
  const replies: Reply[] = [];
  const turn: Turn = {
    tenantId: TENANT,
    from: ADMIN,
    conversation: { id: COORDINATION.conversationId, type: 'channel', serviceUrl: COORDINATION.serviceUrl },
    activityId: `a-${++n}`,
    activityKey: `${COORDINATION.conversationId}|a-${n}`,
    localTimezone: null,
    sentAt: null,
    send: async (reply) => void replies.push(reply),
    sendPrivately: async () => true,
    clickedMessageId: null,
    update: async () => {},
    defer: () => undefined,
  };
  await new Router(COMMANDS, ACTIONS, deps, pino({ level: 'silent' })).handleMessage(turn, text);
  return replies;
};

/** The status card's card-level actions. */
const statusActions = async (deps: Deps): Promise<OpenUrl[]> => {
  const [reply] = await run(deps, 'status');
  if (!reply || !('card' in reply)) throw new Error(`no card: ${JSON.stringify(reply)}`);
  expect(reply.card.name).toBe('status');
  return (reply.card.content.actions ?? []) as OpenUrl[];
};

const openUrls = (actions: OpenUrl[]) => actions.filter((a) => a.type === 'Action.OpenUrl');

describe('status: "Open dashboard"', () => {
  it('in Teams: opens the personal Rollouts tab at this rollout (a deep link into the Teams app)', async () => {
    const dashboardUrl = dashboardLink(
      { TABS: true, MicrosoftAppId: BOT_ID, TEAMS_APP_ID: undefined },
      () => '',
    );
    const { deps, rolloutId } = await setup(dashboardUrl ? { dashboardUrl } : {});
    const actions = await statusActions(deps);
    expect(openUrls(actions)).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open dashboard',
        url:
          `https://teams.microsoft.com/l/entity/${deriveTeamsAppId(BOT_ID)}/rollouts?context=` +
          encodeURIComponent(`{"subEntityId":"${rolloutId}"}`),
      },
    ]);
    // After the bot's own buttons.
    expect(actions.map((a) => a.title)).toEqual(['Checklist', 'Refresh', 'Open dashboard']);
  });

  it('locally (anonymous bot): opens the page on the bot in the browser', async () => {
    const dashboardUrl = dashboardLink(
      { TABS: true, MicrosoftAppId: undefined, TEAMS_APP_ID: undefined },
      () => 'http://localhost:3978',
    );
    const { deps, rolloutId } = await setup(dashboardUrl ? { dashboardUrl } : {});
    expect(openUrls(await statusActions(deps))).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open dashboard',
        url: `http://localhost:3978/tab/?rollout=${encodeURIComponent(rolloutId)}`,
      },
    ]);
  });

  it('without a dashboard (TABS=false: no dashboardUrl), the card has no such button', async () => {
    expect(
      dashboardLink({ TABS: false, MicrosoftAppId: BOT_ID, TEAMS_APP_ID: undefined }, () => ''),
    ).toBeNull();
    const { deps } = await setup({});
    const actions = await statusActions(deps);
    expect(openUrls(actions)).toEqual([]);
    expect(actions.map((a) => a.title)).toEqual(['Checklist', 'Refresh']);
    expect(JSON.stringify(actions)).not.toContain('dashboard');
  });
});
