import { ActivityTypes, type Activity, type CloudAdapter } from 'botbuilder';
import type {
  AnnouncementPostView,
  AnnouncementPreview,
  Announcer,
  Clock,
  Directory,
  Log,
  PersonalCard,
  ReferenceRepository,
} from '../app/ports';
import { classifySend, type SendFailure, type SendOutcome } from '../domain/announcement';
import type { Coordination } from '../domain/rollout';
import { DeadlineError, isGone, toSendFailure, type Flight } from './announcer-failures';
import { AppInstaller } from './announcer-install';
import { toDeliveryError } from './messenger';
import { CARD_CONTENT_TYPE, type RenderedCard } from './render-card';
import {
  announcementPostCard,
  announcementPostData,
  announcementPreviewCard,
  announcementPreviewData,
} from './views/announcement-view';
import { personalCardFor } from './views/reminder-view';

/** Each request to the Bot Connector gets this long unless told otherwise. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/** The tenant's rate, as the announcer uses it (the fan-out's RateController is one). */
export interface Pacer {
  acquire(tenantId: string): Promise<void>;
  report(tenantId: string, outcome: SendOutcome): void;
}

export interface AnnouncerOptions {
  adapter: CloudAdapter;
  /** The bot's Microsoft App Id ('' in anonymous mode); its account in a chat is `28:<id>`. */
  appId: string;
  references: ReferenceRepository;
  /** Graph, for proactive install; without it nobody is installed for. */
  directory?: Directory | null;
  /** PROACTIVE_INSTALL: install the app for a person Teams has no chat with, then create one. */
  proactiveInstall: boolean;
  /** The manifest's id (TEAMS_APP_ID, or derived from the bot id as the package does). */
  teamsAppExternalId: string;
  log: Pick<Log, 'info' | 'warn'>;
  /**
   * The tenant's rate (the fan-out's RateController): waited for right before each connector
   * request of a personal send, and told each request's answer (a person without a chat costs a
   * createConversation and a send; the fan-out is told not to pace or report itself).
   */
  pace?: Pacer;
  /** Deadline of one request to the connector (default DEFAULT_SEND_TIMEOUT_MS). */
  timeoutMs?: number;
  clock: Clock;
}

/** The SDK's connector client, as far as the announcer uses it. */
interface Conversations {
  createConversation(
    parameters: Record<string, unknown>,
    options: { abortSignal: AbortSignal },
  ): Promise<{ id?: string }>;
  sendToConversation(
    conversationId: string,
    activity: Partial<Activity>,
    options: { abortSignal: AbortSignal },
  ): Promise<{ id?: string }>;
  updateActivity(
    conversationId: string,
    activityId: string,
    activity: Partial<Activity>,
    options: { abortSignal: AbortSignal },
  ): Promise<unknown>;
}

/** The pipeline of @azure/core-rest-pipeline under the connector client (not in its typings). */
interface Pipeline {
  removePolicy(options: { name?: string }): unknown;
  addPolicy(
    policy: {
      name: string;
      sendRequest(request: unknown, next: (request: unknown) => Promise<unknown>): Promise<unknown>;
    },
    options?: { afterPhase?: string },
  ): void;
}

/** A new message carrying one card. */
const message = (card: RenderedCard): Partial<Activity> => ({
  type: ActivityTypes.Message,
  attachments: [{ contentType: CARD_CONTENT_TYPE, content: card.content }],
});

/** The message addressed as the SDK addresses a turn's sends: its conversation, with the tenant. */
const into = (activity: Partial<Activity>, conversationId: string, tenantId: string): Partial<Activity> => ({
  ...activity,
  conversation: { id: conversationId, conversationType: 'personal', tenantId, isGroup: false, name: '' },
});

/** Where a request goes: the conversation (and its tenant) on a service URL. */
interface Target {
  serviceUrl: string;
  tenantId: string;
  conversationId: string;
  conversationType: string;
}

/**
 * The Teams side of announcements (the `Announcer` port) over the CloudAdapter's connector
 * client. Every request has its own deadline and is tried once: the SDK's retry policy (which
 * sleeps through Retry-After, up to three times) is taken off the per-turn client, so a 429 comes
 * back with its Retry-After for the fan-out's own pacing, and a send is never repeated here
 * (a second try of a send that timed out could reach the person twice).
 *
 * A person is reached in their stored personal chat; a chat Teams says is gone (403/404 other
 * than MessageWritesBlocked) is forgotten and a new one created (`createConversation` with the
 * Entra object id as member and the tenant id), whose reference is stored. When Teams refuses
 * that too, PROACTIVE_INSTALL installs the app for the person through Graph and creates the chat
 * once more.
 */
export class TeamsAnnouncer implements Announcer {
  private readonly timeoutMs: number;
  private readonly installer: AppInstaller;

  constructor(private readonly options: AnnouncerOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.installer = new AppInstaller(options);
  }

  async sendPersonal(serviceUrl: string, card: PersonalCard): Promise<SendOutcome> {
    try {
      return await this.reach(serviceUrl, card);
    } catch (err) {
      // Nothing above should throw; if it does, the person was not reached by this call.
      this.options.log.warn(
        { err, tenantId: card.announcement.tenantId },
        'announcement send failed unexpectedly',
      );
      return classifySend({ statusCode: null, code: 'error', retryAfterMs: null, network: 'reset' });
    }
  }

  async post(tenantId: string, to: Coordination, view: AnnouncementPostView): Promise<string> {
    return this.postCard(tenantId, to, announcementPostCard.render(announcementPostData(view)));
  }

  async update(
    tenantId: string,
    to: Coordination,
    messageId: string,
    view: AnnouncementPostView,
  ): Promise<void> {
    const activity = { ...message(announcementPostCard.render(announcementPostData(view))), id: messageId };
    try {
      await this.call(targetOf(tenantId, to), (c, signal) =>
        c.updateActivity(to.conversationId, messageId, activity, { abortSignal: signal }),
      );
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  async preview(tenantId: string, to: Coordination, preview: AnnouncementPreview): Promise<string> {
    return this.postCard(tenantId, to, announcementPreviewCard.render(announcementPreviewData(preview)));
  }

  private async postCard(tenantId: string, to: Coordination, card: RenderedCard): Promise<string> {
    let sent: { id?: string };
    try {
      sent = await this.call(targetOf(tenantId, to), (c, signal) =>
        c.sendToConversation(to.conversationId, message(card), { abortSignal: signal }),
      );
    } catch (err) {
      throw toDeliveryError(err);
    }
    if (!sent.id) throw toDeliveryError(new Error('no message id in the answer'));
    return sent.id;
  }

  /** The person's outcome: stored chat, else a new one, else (allowed) install and a new one. */
  private async reach(serviceUrl: string, card: PersonalCard): Promise<SendOutcome> {
    const { tenantId } = card.announcement;
    const { personId } = card.recipient;
    // A phase announcement's card, or a reminder's by its purpose.
    const activity = message(personalCardFor(card));
    const paced = async (): Promise<void> => {
      await this.options.pace?.acquire(tenantId);
    };
    const answered = (failure: SendFailure | null): SendFailure | null => {
      this.options.pace?.report(tenantId, classifySend(failure));
      return failure;
    };
    const stored = await this.storedChat(tenantId, personId);
    if (stored) {
      await paced();
      const failure = answered(
        await this.attempt(
          {
            serviceUrl: stored.serviceUrl || serviceUrl,
            tenantId,
            conversationId: stored.conversationId,
            conversationType: 'personal',
          },
          (c, signal) =>
            c.sendToConversation(stored.conversationId, into(activity, stored.conversationId, tenantId), {
              abortSignal: signal,
            }),
        ),
      );
      if (!failure || !isGone(failure)) return classifySend(failure);
      await this.forget(tenantId, personId, stored.conversationId);
    }
    const created = answered(await this.createAndSend(serviceUrl, card, activity, paced));
    if (!created || !isGone(created) || !this.options.proactiveInstall || !this.options.directory)
      return classifySend(created);
    const installed = await this.installer.install(tenantId, personId);
    if (typeof installed !== 'string') return installed;
    const again = answered(await this.createAndSend(serviceUrl, card, activity, paced));
    if (again && isGone(again) && installed === 'installed')
      // Just installed: Teams may take a moment to make the chat; worth another try later.
      return {
        kind: 'transient',
        status: `${again.statusCode} ${again.code} after install`.slice(0, 120),
        unknown: false,
      };
    return classifySend(again);
  }

  /** createConversation (a 1:1 chat) then the send into it; the chat's reference is stored once made. */
  private async createAndSend(
    serviceUrl: string,
    card: PersonalCard,
    activity: Partial<Activity>,
    paced: () => Promise<void>,
  ): Promise<SendFailure | null> {
    const { tenantId } = card.announcement;
    const { personId } = card.recipient;
    const botId = `28:${this.options.appId}`;
    let conversationId: string | null = null;
    await paced();
    const failure = await this.attempt(
      { serviceUrl, tenantId, conversationId: '', conversationType: 'personal' },
      async (c, signal, flight) => {
        const created = await c.createConversation(
          {
            isGroup: false,
            bot: { id: botId, name: '' },
            members: [{ id: personId }],
            tenantId,
            channelData: { tenant: { id: tenantId } },
          },
          { abortSignal: signal },
        );
        if (!created.id) throw new Error('createConversation answered no conversation id');
        conversationId = created.id;
        this.options.pace?.report(tenantId, { kind: 'sent' });
        await paced();
        // The send is a request of its own: whether it left starts again.
        flight.sent = false;
        return c.sendToConversation(created.id, into(activity, created.id, tenantId), {
          abortSignal: signal,
        });
      },
    );
    // The chat is kept once made (sent into or not), after the send so as not to delay it.
    if (conversationId !== null) await this.remember(card, serviceUrl, conversationId, botId);
    // createConversation itself carries no message: unanswered, the person cannot have the card.
    if (failure && conversationId === null && failure.network === 'timeout') failure.network = 'reset';
    if (failure)
      this.options.log.info(
        { tenantId, status: failure.statusCode, code: failure.code, created: conversationId !== null },
        'announcement: personal chat not reached',
      );
    return failure;
  }

  /** Runs one connector exchange; its failure (never thrown) as the sender reads it. */
  private async attempt(
    target: Target,
    work: (c: Conversations, signal: AbortSignal, flight: Flight) => Promise<unknown>,
  ): Promise<SendFailure | null> {
    const flight: Flight = { sent: false, timedOut: false };
    try {
      await this.call(target, work, flight);
      return null;
    } catch (err) {
      return toSendFailure(err, flight, this.options.clock.now().getTime());
    }
  }

  /**
   * Runs `work` with the connector client for `target` in a proactive turn, within the deadline.
   * Its failure is caught inside the turn (thrown there it would reach onTurnError) and thrown here.
   */
  private async call<T>(
    target: Target,
    work: (c: Conversations, signal: AbortSignal, flight: Flight) => Promise<T>,
    flight: Flight = { sent: false, timedOut: false },
  ): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        flight.timedOut = true;
        controller.abort();
        reject(new DeadlineError(this.timeoutMs));
      }, this.timeoutMs);
      timer.unref?.();
    });
    const reference = {
      channelId: 'msteams',
      serviceUrl: target.serviceUrl,
      conversation: {
        id: target.conversationId,
        conversationType: target.conversationType,
        tenantId: target.tenantId,
        isGroup: target.conversationType !== 'personal',
        name: '',
      },
    };
    const turn = (async () => {
      let failure: unknown = null;
      let result: T | undefined;
      await this.options.adapter.continueConversationAsync(this.options.appId, reference, async (context) => {
        const connector = context.turnState.get<Conversations & object>(
          this.options.adapter.ConnectorClientKey,
        );
        try {
          const conversations = prepared(connector, flight);
          result = await work(conversations, controller.signal, flight);
        } catch (err) {
          failure = err;
        }
      });
      if (failure) throw failure;
      return result as T;
    })();
    // A turn that ends after the deadline has nobody waiting: its rejection is not unhandled.
    turn.catch(() => undefined);
    try {
      return await Promise.race([turn, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async storedChat(tenantId: string, personId: string) {
    try {
      return await this.options.references.personal(tenantId, personId);
    } catch (err) {
      this.options.log.warn({ err, tenantId }, 'could not read a conversation reference: creating a chat');
      return null;
    }
  }

  private async forget(tenantId: string, personId: string, conversationId: string): Promise<void> {
    try {
      await this.options.references.forgetPersonal(tenantId, personId, conversationId);
    } catch (err) {
      this.options.log.warn({ err, tenantId }, 'could not forget a gone personal chat');
    }
  }

  private async remember(card: PersonalCard, serviceUrl: string, conversationId: string, botId: string) {
    try {
      // None was stored (or the stored one was gone and forgotten): no read before the write.
      await this.options.references.rememberPersonal(
        {
          tenantId: card.announcement.tenantId,
          personId: card.recipient.personId.toLowerCase(),
          name: card.recipient.name,
          conversationId,
          conversationType: 'personal',
          serviceUrl,
          botId,
        },
        null,
      );
    } catch (err) {
      // The chat works without it: the next announcement creates it again (the same id).
      this.options.log.warn({ err, tenantId: card.announcement.tenantId }, 'could not store a personal chat');
    }
  }
}

const targetOf = (tenantId: string, to: Coordination): Target => ({
  serviceUrl: to.serviceUrl,
  tenantId,
  conversationId: to.conversationId,
  conversationType: to.conversationType,
});

/**
 * The turn's connector client made ready for one try per request: the SDK's retry policy taken
 * off (the client is made for this turn alone), and a last policy that records that the request
 * is leaving (after signing: a token that never came is not a request that left).
 */
const prepared = (connector: Conversations & object, flight: Flight): Conversations => {
  const client = (connector as { client?: { pipeline?: Pipeline } }).client;
  const pipeline = client?.pipeline;
  if (pipeline) {
    pipeline.removePolicy({ name: 'defaultRetryPolicy' });
    pipeline.removePolicy({ name: 'announcerFlight' });
    pipeline.addPolicy(
      {
        name: 'announcerFlight',
        sendRequest: (request, next) => {
          flight.sent = true;
          return next(request);
        },
      },
      { afterPhase: 'Sign' },
    );
  }
  return (connector as unknown as { conversations: Conversations }).conversations;
};
