import {
  countsLine,
  announcementStatusLine,
  STORE_UNAVAILABLE_LINE,
} from '../../src/teams/views/announce-status';
import { emptyCounts } from '../../src/domain/announcement';
import { anAnnouncement } from '../cards/announcement-fixtures';

const counts = { ...emptyCounts(), recipients: 3, sent: 2, gotIt: 1, pending: 1 };

describe('the status card’s announcement line', () => {
  it('shows the counts, the trouble ones only when there are some', () => {
    expect(countsLine(counts)).toBe('3 recipients · 2 sent · 1 got it · 1 pending');
  });

  it('says when the fan-out is held up, in the rollout’s zone, and that it resumes by itself', () => {
    const announcement = { ...anAnnouncement(), state: 'sending' as const };
    const line = announcementStatusLine({
      kind: 'counts',
      announcement,
      counts,
      pausedSince: '2026-03-01T08:15:00.000Z',
    });
    expect(line).toMatch(/\(sending\): 3 recipients/);
    expect(line).toMatch(/paused since .*09:15.*the queue or storage is unavailable; it resumes by itself/);
    // Not held up: no such words.
    expect(announcementStatusLine({ kind: 'counts', announcement, counts, pausedSince: null })).not.toMatch(
      /paused/,
    );
    expect(announcementStatusLine({ kind: 'unavailable' })).toBe(STORE_UNAVAILABLE_LINE);
  });
});
