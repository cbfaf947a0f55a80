import { defineCard } from '../render-card';

/** A title and a line of text. */
export interface NoticeCardData {
  title: string;
  text: string;
}

export const noticeCard = defineCard<NoticeCardData>()('notice');
