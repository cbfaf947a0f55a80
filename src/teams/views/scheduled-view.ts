import type { ScheduledTopic } from '../../app/ports';
import type { DigestFacts } from '../../app/schedule/daily-digest';
import type { RenderedCard } from '../render-card';
import { digestCard, digestCardData } from './digest-view';
import { noticeCard, type NoticeCardData } from './notice-view';

/**
 * The card of a scheduled notice, from the data it was decided with. Topics whose card is a
 * title and a line (escalations, overdue stages, a wave starting tomorrow …) carry
 * `NoticeCardData`; the digest carries its `DigestFacts` and has a card of its own.
 */
export const scheduledCard = (topic: ScheduledTopic, data: unknown): RenderedCard =>
  topic === 'digest'
    ? digestCard.render(digestCardData(data as DigestFacts))
    : noticeCard.render(noticeDataOf(data));

const noticeDataOf = (data: unknown): NoticeCardData => {
  const { title, text } = (data ?? {}) as Partial<NoticeCardData>;
  return {
    title: typeof title === 'string' ? title : 'Rollout Coordinator',
    text: typeof text === 'string' ? text : '',
  };
};
