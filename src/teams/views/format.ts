import { localInstantText } from '../../domain/time';

/**
 * Dates as people read them on a card, in a time zone with its short name: "10 Feb 2026, 18:30
 * CET". A card about a rollout passes `rollout.timeZone`, so one event reads the same on every
 * card; UTC is for what belongs to no one rollout.
 */
export const formatInstant = (iso: string | null, timeZone = 'UTC'): string => {
  if (!iso) return '—';
  if (Number.isNaN(new Date(iso).getTime())) return '—';
  return localInstantText(iso, timeZone);
};

export const STATUS_LABELS: Readonly<Record<string, string>> = {
  active: 'Active',
  paused: 'Paused',
  completed: 'Completed',
};

/** Markdown-safe inline text for user-supplied strings in cards and messages. */
export const plain = (text: string): string => text.replace(/[*_`[\]<>]/g, (c) => `\\${c}`);

/** A title and its value, as a FactSet shows them. */
export interface Fact {
  title: string;
  value: string;
}
