import { BENCH_TENANT, benchAnswer, benchFormData, benchPerson, PILOT } from './feedback-setup';

/**
 * The Action.Execute invoke Teams sends when a person submits the feedback card, in personal
 * chat (the shape of test/fixtures/teams/invoke-adaptivecard-action.json, built here because
 * test/ is not compiled into dist). Every `n` is a distinct person, chat and activity id.
 */
export const feedbackInvoke = (rolloutId: string, series: number, n: number): Record<string, unknown> => {
  const person = benchPerson(series, n);
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `f:bench-${series}-${n}`,
    timestamp: new Date().toISOString(),
    // Never called: a feedback answer without an issue sends nothing to the Bot Connector.
    serviceUrl: 'http://127.0.0.1:9/',
    channelId: 'msteams',
    from: { id: `29:bench-${person.id}`, name: person.name, aadObjectId: person.id },
    conversation: {
      conversationType: 'personal',
      tenantId: BENCH_TENANT,
      id: `a:bench-personal-chat-${person.id}`,
    },
    recipient: { id: '28:00000000-0000-0000-0000-0000000000b0', name: 'Rollout' },
    entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' }],
    channelData: { tenant: { id: BENCH_TENANT } },
    locale: 'en-US',
    localTimezone: 'America/Los_Angeles',
    value: {
      action: {
        type: 'Action.Execute',
        id: 'feedback.submit',
        verb: 'feedback.submit',
        data: { rolloutId, stageId: PILOT, ...benchFormData(benchAnswer(n)) },
      },
      trigger: 'manual',
    },
  };
};
