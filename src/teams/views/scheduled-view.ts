import type { ScheduledTopic } from '../../app/ports';
import type { RenderedCard } from '../render-card';
import { noticeCard, type NoticeCardData } from './notice-view';

/**
 * The card of a scheduled notice, from the data it was decided with. Topics whose card is a
 * title and a line (escalations, overdue stages, a wave starting tomorrow …) carry
 * `NoticeCardData`; a topic with a card of its own renders it here.
 */
export const scheduledCard = (_topic: ScheduledTopic, data: unknown): RenderedCard =>
  noticeCard.render(noticeDataOf(data));

const noticeDataOf = (data: unknown): NoticeCardData => {
  const { title, text } = (data ?? {}) as Partial<NoticeCardData>;
  return {
    title: typeof title === 'string' ? title : 'Rollout Coordinator',
    text: typeof text === 'string' ? text : '',
  };
};
