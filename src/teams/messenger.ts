import { ActivityTypes, type Activity, type CloudAdapter } from 'botbuilder';
import { DeliveryError } from '../app/errors';
import type { Messenger, NoticeContent, SignoffView } from '../app/ports';
import type { Coordination } from '../domain/rollout';
import { CARD_CONTENT_TYPE, type RenderedCard } from './render-card';
import { feedbackIssueCard, feedbackIssueData } from './views/feedback-issue-view';
import { intuneNoticeData } from './views/intune-view';
import { audienceCard, audienceCardData, refreshedText } from './views/audience-view';
import { noticeCard } from './views/notice-view';
import { scheduledCard } from './views/scheduled-view';
import { signoffCardData, signoffRequestCard } from './views/signoff-view';

/** The part of the SDK's connector client (in the turn state) that posts to a conversation. */
interface ConversationsClient {
  conversations: {
    sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<{ id?: string }>;
    updateActivity(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<unknown>;
  };
}

interface ConnectorFailure {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { headers?: { get?(name: string): string | undefined | null } };
}

const retryAfterMs = (failure: ConnectorFailure): number | null => {
  const header = failure.response?.headers?.get?.('retry-after');
  const seconds = header ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3600) * 1000 : null;
};

/**
 * The Bot Connector's answer as a delivery verdict: blocked (403 MessageWritesBlocked), removed
 * (403, 404) and malformed (400) sends are permanent; throttling (429, honouring Retry-After),
 * 412 and server errors and network failures are worth retrying.
 */
export const toDeliveryError = (err: unknown): DeliveryError => {
  const failure = (err ?? {}) as ConnectorFailure;
  const status = typeof failure.statusCode === 'number' ? failure.statusCode : null;
  const text = typeof failure.message === 'string' ? failure.message : String(err);
  // 401 is not permanent: it means the bot's own credentials are wrong, which an operator fixes.
  const permanent = status !== null && [400, 403, 404].includes(status);
  const reason = text.includes('MessageWritesBlocked')
    ? 'the conversation blocked the bot'
    : text.slice(0, 300);
  return new DeliveryError(
    `Bot Connector ${status ?? 'unreachable'}: ${reason}`,
    permanent,
    retryAfterMs(failure),
  );
};

/** Proactive messages through the CloudAdapter to a stored conversation. */
export class TeamsMessenger implements Messenger {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  async notify(tenantId: string, to: Coordination, content: NoticeContent): Promise<void> {
    await this.withConnector(tenantId, to, (c) =>
      c.sendToConversation(to.conversationId, message(cardForNotice(content))),
    );
  }

  async postSignoff(tenantId: string, to: Coordination, view: SignoffView): Promise<string> {
    const card = signoffRequestCard.render(signoffCardData(view, { viewer: null }));
    const sent = await this.withConnector(tenantId, to, (c) =>
      c.sendToConversation(to.conversationId, message(card)),
    );
    if (!sent?.id) throw new DeliveryError('Bot Connector: no message id in the answer', false);
    return sent.id;
  }

  async updateSignoff(
    tenantId: string,
    to: Coordination,
    messageId: string,
    view: SignoffView,
  ): Promise<void> {
    const card = signoffRequestCard.render(signoffCardData(view, { viewer: null }));
    await this.withConnector(tenantId, to, (c) =>
      c.updateActivity(to.conversationId, messageId, { ...message(card), id: messageId }),
    );
  }

  /**
   * Runs `send` with the SDK's connector client for the conversation. The failure is caught
   * inside the turn: thrown, it would reach the adapter's onTurnError, which tells the
   * conversation "something went wrong".
   */
  private async withConnector<T>(
    tenantId: string,
    to: Coordination,
    send: (conversations: ConversationsClient['conversations']) => Promise<T>,
  ): Promise<T | null> {
    const reference = {
      channelId: 'msteams',
      serviceUrl: to.serviceUrl,
      conversation: {
        id: to.conversationId,
        conversationType: to.conversationType,
        tenantId,
        isGroup: to.conversationType !== 'personal',
        name: '',
      },
    };
    let failure: unknown = null;
    let result: T | null = null;
    await this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
      const connector = context.turnState.get<ConversationsClient>(this.adapter.ConnectorClientKey);
      try {
        result = await send(connector.conversations);
      } catch (err) {
        failure = err;
      }
    });
    if (failure) throw toDeliveryError(failure);
    return result;
  }
}

/** A new message carrying one card (in a channel: a new thread, not a reply). */
const message = (card: RenderedCard): Partial<Activity> => ({
  type: ActivityTypes.Message,
  attachments: [{ contentType: CARD_CONTENT_TYPE, content: card.content }],
});

const cardForNotice = (content: NoticeContent): RenderedCard => {
  if (content.kind === 'feedback-issue') {
    return feedbackIssueCard.render(
      feedbackIssueData({
        rollout: content.rollout,
        stageLabel: content.stageLabel,
        entry: content.entry,
        ref: content.ref,
        notice: '',
      }),
    );
  }
  if (content.kind === 'audience-refreshed') {
    const { rollout, stageId, stageLabel, outcome } = content;
    if (!outcome.ok)
      return noticeCard.render({
        title: 'Audience not resolved',
        text: refreshedText(stageLabel, rollout, outcome),
      });
    return audienceCard.render(
      audienceCardData({
        rollout,
        stageId,
        stageLabel,
        snapshot: outcome.snapshot,
        stale: false,
        // Posted in a conversation: counts for everyone, no names.
        showNames: false,
        canRefresh: true,
        graph: true,
        notice: refreshedText(stageLabel, rollout, outcome),
      }),
    );
  }
  if (content.kind === 'scheduled') return scheduledCard(content.topic, content.data);
  if (content.kind === 'intune-assignment') {
    return noticeCard.render(intuneNoticeData(content.rollout, content.result, content.stageLabel));
  }
  const who = content.answer.person.name || 'A help-desk member';
  return noticeCard.render({
    title: `⚠️ Help desk not ready for ${content.request.stageLabel} (“${content.rollout.name}”)`,
    text: `${who}: ${content.answer.reason ?? ''}`,
  });
};
