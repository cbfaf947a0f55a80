import type { DashboardResponse, TimelineStage } from '../../src/tab/api-types';
import { DAY_MS, instantLocalMs, localMs } from './format';

/** A span on the timeline's axis, as percentages of its width. */
export interface Span {
  left: number;
  width: number;
}

export interface StageLayout {
  stage: TimelineStage;
  planned: Span | null;
  actual: Span | null;
  /** Entered but not left: the actual bar runs to now. */
  ongoing: boolean;
  forced: { left: number; text: string }[];
}

export interface TimelineLayout {
  stages: StageLayout[];
  today: number | null;
  events: { left: number; kind: string; text: string }[];
  from: number;
  to: number;
}

/** A planned end date without a time is the whole of that day. */
const plannedEnd = (local: string): number | null => {
  const ms = localMs(local);
  if (ms === null) return null;
  return local.length <= 10 ? ms + DAY_MS : ms;
};

/** Lays planned frames and actual entry/exit out on one local-clock axis in the rollout's zone. */
export const layoutTimeline = (data: DashboardResponse): TimelineLayout => {
  const zone = data.rollout.timeZone;
  const now = instantLocalMs(data.generatedAt, zone) ?? localMs(data.today) ?? 0;
  const raw = data.timeline.stages.map((stage) => {
    const ps = stage.planned.start !== null ? localMs(stage.planned.start) : null;
    const pe = stage.planned.end !== null ? plannedEnd(stage.planned.end) : null;
    const ae = stage.actual.entered !== null ? instantLocalMs(stage.actual.entered, zone) : null;
    const ax = stage.actual.exited !== null ? instantLocalMs(stage.actual.exited, zone) : null;
    const forced = stage.forced.map((f) => ({ at: instantLocalMs(f.at, zone), f }));
    return { stage, ps, pe, ae, ax, forced };
  });
  const events = data.timeline.events.map((e) => ({ at: instantLocalMs(e.at, zone), e }));
  const points = [now];
  for (const r of raw) for (const v of [r.ps, r.pe, r.ae, r.ax]) if (v !== null) points.push(v);
  for (const e of events) if (e.at !== null) points.push(e.at);
  let from = Math.min(...points);
  let to = Math.max(...points);
  if (to - from < DAY_MS) to = from + DAY_MS;
  const pad = (to - from) * 0.03;
  from -= pad;
  to += pad;
  const pos = (ms: number): number => ((ms - from) / (to - from)) * 100;
  const span = (a: number | null, b: number | null): Span | null => {
    if (a === null && b === null) return null;
    const start = a ?? b ?? 0;
    const end = Math.max(b ?? a ?? 0, start);
    return { left: pos(start), width: Math.max(0.8, pos(end) - pos(start)) };
  };
  return {
    from,
    to,
    today: pos(now),
    stages: raw.map((r) => ({
      stage: r.stage,
      planned: span(r.ps, r.pe),
      actual: r.ae !== null ? span(r.ae, r.ax ?? now) : null,
      ongoing: r.ae !== null && r.ax === null,
      forced: r.forced
        .filter((f) => f.at !== null)
        .map((f) => ({
          left: pos(f.at ?? 0),
          text: `Forced advance by ${f.f.by}${f.f.reason !== null ? `: ${f.f.reason}` : ''}`,
        })),
    })),
    events: events
      .filter((e) => e.at !== null)
      .map((e) => ({ left: pos(e.at ?? 0), kind: e.e.kind, text: e.e.summary })),
  };
};
