import { Badge, Body1, Caption1 } from '@fluentui/react-components';
import type { DashboardResponse } from '../../../src/tab/api-types';
import { instantText, localText } from '../format';
import { layoutTimeline, type Span, type StageLayout } from '../timeline-layout';
import { Section } from './Section';

const axisText = (ms: number): string => localText(new Date(ms).toISOString().slice(0, 10));

const bar = (span: Span) => ({ left: `${span.left}%`, width: `${Math.min(span.width, 100 - span.left)}%` });

const plannedText = (s: StageLayout['stage']): string =>
  s.planned.start === null && s.planned.end === null
    ? 'no planned time frame'
    : `planned ${localText(s.planned.start)} – ${localText(s.planned.end)}`;

const actualText = (s: StageLayout['stage'], zone: string): string => {
  if (s.actual.entered === null) return 'not entered yet';
  const left = s.actual.exited === null ? 'not left yet' : `left ${instantText(s.actual.exited, zone)}`;
  return `entered ${instantText(s.actual.entered, zone)}, ${left}`;
};

const StageRow = ({ row, today, zone }: { row: StageLayout; today: number | null; zone: string }) => {
  const s = row.stage;
  return (
    <li
      className={`tl-row${s.kind === 'wave' ? ' tl-wave' : ''}${s.current ? ' tl-current' : ''}`}
      data-testid="timeline-stage"
      data-stage-id={s.stageId}
      data-current={String(s.current)}
      aria-current={s.current ? 'step' : undefined}
    >
      <div className="tl-label">
        <Body1 as="span" className="tl-name">
          {s.label}
        </Body1>
        {s.current ? (
          <Badge appearance="filled" color="brand" size="small">
            Current
          </Badge>
        ) : null}
        <Caption1 as="span" className="tl-text">
          {plannedText(s)}; {actualText(s, zone)}
        </Caption1>
      </div>
      <div className="tl-track" aria-hidden="true">
        {row.planned !== null ? <span className="tl-planned" style={bar(row.planned)} /> : null}
        {row.actual !== null ? (
          <span className={`tl-actual${row.ongoing ? ' tl-ongoing' : ''}`} style={bar(row.actual)} />
        ) : null}
        {today !== null ? <span className="tl-today" style={{ left: `${today}%` }} /> : null}
        {row.forced.map((f) => (
          <span
            key={`${f.left}-${f.text}`}
            className="tl-marker tl-forced"
            style={{ left: `${f.left}%` }}
            title={f.text}
          >
            ◆
          </span>
        ))}
      </div>
      {s.forced.length > 0 ? (
        <ul className="tl-notes">
          {s.forced.map((f) => (
            <li key={f.at} data-testid="timeline-forced">
              ◆ Forced advance {instantText(f.at, zone)} by {f.by}
              {f.reason !== null ? `: ${f.reason}` : ' (no reason given)'}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
};

/** Phases and waves: planned frames against actual entry and exit, today marked. */
export const Timeline = ({ data }: { data: DashboardResponse }) => {
  const layout = layoutTimeline(data);
  const zone = data.rollout.timeZone;
  return (
    <Section testId="timeline" title="Timeline">
      <div className="tl-legend" aria-hidden="true">
        <span>
          <span className="tl-key tl-planned" /> Planned
        </span>
        <span>
          <span className="tl-key tl-actual" /> Actual
        </span>
        <span>
          <span className="tl-key tl-today-key" /> Today ({localText(data.today)})
        </span>
        <span>◆ Forced advance</span>
        <span>‖ Paused / ▶ resumed</span>
      </div>
      {layout.stages.length === 0 ? (
        <Body1 as="p">The plan has no phases yet.</Body1>
      ) : (
        <>
          <div className="tl-axis" aria-hidden="true">
            <span>{axisText(layout.from)}</span>
            <span>{axisText(layout.to)}</span>
          </div>
          <ol className="tl" aria-label={`Stages; times in ${zone}; today is ${localText(data.today)}`}>
            {layout.stages.map((row) => (
              <StageRow key={row.stage.stageId} row={row} today={layout.today} zone={zone} />
            ))}
            {layout.events.length > 0 ? (
              <li className="tl-row tl-events" aria-hidden="true">
                <div className="tl-label">
                  <Caption1 as="span">Pauses and forced advances</Caption1>
                </div>
                <div className="tl-track">
                  {layout.events.map((e) => (
                    <span
                      key={`${e.left}-${e.text}`}
                      className={`tl-marker tl-${e.kind}`}
                      style={{ left: `${e.left}%` }}
                      title={e.text}
                    >
                      {e.kind === 'paused' ? '‖' : e.kind === 'resumed' ? '▶' : '◆'}
                    </span>
                  ))}
                </div>
              </li>
            ) : null}
          </ol>
        </>
      )}
      {data.timeline.events.length > 0 ? (
        <ul className="tl-event-list" aria-label="Pauses and forced advances">
          {data.timeline.events.map((e) => (
            <li key={`${e.at}-${e.kind}`} data-testid="timeline-event" data-kind={e.kind}>
              {e.kind === 'paused' ? '‖ Paused' : e.kind === 'resumed' ? '▶ Resumed' : '◆ Forced advance'}{' '}
              {instantText(e.at, zone)}: {e.summary}
            </li>
          ))}
        </ul>
      ) : null}
      <Caption1 as="p">Times in {zone}.</Caption1>
    </Section>
  );
};
