import type { RefreshOutcome } from '../../app/audience-refresh';
import type { AudienceSnapshot } from '../../app/ports';
import { audienceParts, hasFilters, type AudienceCounts, type AudienceSpec } from '../../domain/audience';
import type { Rollout } from '../../domain/rollout';
import { defineCard } from '../render-card';
import { formatInstant, plain, type Fact } from './format';

/** One breakdown of an audience: its largest values with their counts. */
export interface AudienceBreakdown {
  title: string;
  rows: Fact[];
}

/** A stage's audience: its definition, size, breakdowns and left-out counts, when it was resolved. */
export interface AudienceCardData {
  title: string;
  summary: string;
  notice: string;
  hasNotice: boolean;
  definition: Fact[];
  breakdowns: AudienceBreakdown[];
  hasBreakdowns: boolean;
  leftOut: string;
  names: string;
  hasNames: boolean;
  /** The `audience refresh` button (admins, Graph configured). */
  canRefresh: boolean;
  rolloutId: string;
  refreshArgs: string;
}

export const audienceCard = defineCard<AudienceCardData>()('audience');

/** Rows of a breakdown on the card at most (the snapshot keeps up to 50). */
export const BREAKDOWN_ROWS = 8;

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

const breakdown = (title: string, values: Record<string, number>): AudienceBreakdown | null => {
  const rows = Object.entries(values)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, BREAKDOWN_ROWS)
    .map(([label, n]) => ({ title: plain(label), value: count(n) }));
  return rows.length > 0 ? { title, rows } : null;
};

const leftOutText = (counts: AudienceCounts): string => {
  const parts = [
    counts.leftOut.guest ? plural(counts.leftOut.guest, 'guest', 'guests') : null,
    counts.leftOut.disabled ? plural(counts.leftOut.disabled, 'disabled account', 'disabled accounts') : null,
    counts.leftOut.filtered ? `${count(counts.leftOut.filtered)} outside the filters` : null,
    counts.leftOut.noDevice ? `${count(counts.leftOut.noDevice)} without a managed device` : null,
    counts.nonUsers
      ? plural(counts.nonUsers, 'member that is not a user', 'members that are not users')
      : null,
  ].filter(Boolean);
  return parts.length > 0 ? `Left out: ${parts.join(', ')}.` : 'Nobody in the groups was left out.';
};

const filterText = (part: AudienceSpec): string => {
  const { departments, countries, offices, platforms } = part.filters;
  return [
    departments.length ? `department ${departments.join(' or ')}` : null,
    countries.length ? `country ${countries.join(' or ')}` : null,
    offices.length ? `office ${offices.join(' or ')}` : null,
    platforms.length ? `a managed ${platforms.join(' or ')} device` : null,
  ]
    .filter(Boolean)
    .join('; ');
};

/** What the plan says the audience is, in a few facts (a phase with waves: summed over them). */
const definitionFacts = (parts: readonly AudienceSpec[]): Fact[] => {
  const groups = new Set(parts.flatMap((p) => p.groups));
  const members = new Set(parts.flatMap((p) => p.members));
  const filters = parts.filter((p) => hasFilters(p.filters)).map(filterText);
  const included = [
    parts.some((p) => p.includeGuests) ? 'guests' : null,
    parts.some((p) => p.includeDisabled) ? 'disabled accounts' : null,
  ].filter(Boolean);
  return [
    { title: 'Entra groups', value: groups.size > 0 ? [...groups].join(', ') : 'none' },
    { title: 'Listed members', value: count(members.size) },
    ...(filters.length > 0 ? [{ title: 'Filters', value: plain(filters.join(' · ')) }] : []),
    ...(included.length > 0 ? [{ title: 'Included', value: included.join(' and ') }] : []),
  ];
};

export interface AudienceViewInput {
  rollout: Rollout;
  stageId: string;
  stageLabel: string;
  snapshot: AudienceSnapshot | null;
  /** The snapshot was resolved from another definition than the plan's today. */
  stale: boolean;
  /** Names are shown to admins only. */
  showNames: boolean;
  canRefresh: boolean;
  graph: boolean;
  /** Said on top (e.g. a refresh's failure). */
  notice?: string;
}

export const audienceCardData = (input: AudienceViewInput): AudienceCardData => {
  const { rollout, stageId, snapshot } = input;
  const parts = audienceParts(rollout, stageId);
  const listed = new Set(parts.flatMap((p) => p.members)).size;
  const hasGroups = parts.some((p) => p.groups.length > 0);
  const notices = [
    input.notice ?? null,
    !input.graph && hasGroups
      ? 'Microsoft Graph is not configured (GRAPH_AUTH=none): the groups are not resolved and anyone may answer.'
      : null,
    input.graph && hasGroups && !snapshot ? 'Not resolved yet: `audience refresh` resolves it now.' : null,
    snapshot && input.stale
      ? 'The plan’s audience changed since this was resolved: `audience refresh` resolves it again.'
      : null,
    ...(snapshot?.warnings ?? []).map((w) => `⚠️ ${w}`),
  ].filter((n): n is string => Boolean(n));
  const counts = snapshot?.counts ?? null;
  const breakdowns = counts
    ? [
        breakdown('Departments', counts.byDepartment),
        breakdown('Countries', counts.byCountry),
        breakdown('People by device platform', counts.byPlatform),
        breakdown('Managed devices by OS', counts.devicesByOs),
      ].filter((b): b is AudienceBreakdown => b !== null)
    : [];
  const size = counts
    ? plural(counts.people, 'person', 'people')
    : hasGroups
      ? 'size not known yet'
      : plural(listed, 'listed member', 'listed members');
  const resolved = snapshot ? ` · resolved ${formatInstant(snapshot.resolvedAt, rollout.timeZone)}` : '';
  const withoutDevice =
    counts && counts.withoutDevice !== null && counts.withoutDevice > 0
      ? ` ${plural(counts.withoutDevice, 'person has', 'people have')} no managed device.`
      : '';
  const names = input.showNames && snapshot ? snapshot.sample.map(plain).join(', ') : '';
  const more = counts !== null && snapshot !== null && counts.people > snapshot.sample.length ? ', …' : '';
  return {
    title: `Audience of ${input.stageLabel} (“${plain(rollout.name)}”)`,
    summary: `${size}${resolved}`,
    notice: notices.join('\n\n'),
    hasNotice: notices.length > 0,
    definition: definitionFacts(parts),
    breakdowns,
    hasBreakdowns: breakdowns.length > 0,
    leftOut: counts ? `${leftOutText(counts)}${withoutDevice}` : '',
    names: names ? `Among them: ${names}${more}` : '',
    hasNames: names !== '',
    canRefresh: input.canRefresh && input.graph && parts.length > 0,
    rolloutId: rollout.id,
    refreshArgs: `--stage ${stageId}`,
  };
};

/** What a finished refresh says in the conversation that asked for it. */
export const refreshedText = (stageLabel: string, rollout: Rollout, outcome: RefreshOutcome): string =>
  outcome.ok
    ? `The audience of ${stageLabel} (“${plain(rollout.name)}”) is resolved: ${plural(outcome.snapshot.counts.people, 'person', 'people')}.`
    : `The audience of ${stageLabel} (“${plain(rollout.name)}”) was not resolved: ${outcome.message}`;
