import { Caption1, Subtitle2 } from '@fluentui/react-components';
import type { Counts, StageFeedbackView } from '../../../src/tab/api-types';
import type { ChartSpec } from '../charts';
import { usePalette } from '../context';
import { dayLabel, localText, percent, rating } from '../format';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  INSTALL_RESULTS,
  INSTALLED_LABELS,
  PLATFORM_LABELS,
  PLATFORMS,
  SEVERITIES,
  SEVERITY_LABELS,
  label,
} from '../options';
import { ChartBox } from './ChartBox';

/** Known keys first in their order, then any others the data has. */
const ordered = (counts: Counts, known: readonly string[]): string[] => [
  ...known,
  ...Object.keys(counts).filter((k) => !known.includes(k)),
];

const barSpec = (counts: Counts, known: readonly string[], labels: Record<string, string>): ChartSpec => {
  const keys = ordered(counts, known);
  return {
    kind: 'bar',
    labels: keys.map((k) => label(labels, k)),
    datasets: [{ label: 'Answers', values: keys.map((k) => counts[k] ?? 0) }],
  };
};

const historySpec = (stage: StageFeedbackView): ChartSpec => ({
  kind: 'line',
  labels: stage.history.map((p) => dayLabel(p.date)),
  datasets: [
    { label: 'Responses', values: stage.history.map((p) => p.responses) },
    {
      label: 'Average rating',
      values: stage.history.map((p) => p.averageRating),
      axis: 'right',
      min: 1,
      max: 5,
    },
  ],
});

const CountList = ({
  title,
  counts,
  known,
  labels,
  testId,
}: {
  title: string;
  counts: Counts;
  known: readonly string[];
  labels: Record<string, string>;
  testId: string;
}) => (
  <div className="counts" data-testid={testId} data-counts={JSON.stringify(counts)}>
    <Caption1 as="h4">{title}</Caption1>
    <ul>
      {ordered(counts, known).map((k) => (
        <li key={k}>
          {label(labels, k)}: <strong>{counts[k] ?? 0}</strong>
        </li>
      ))}
    </ul>
  </div>
);

const RATING_LABELS: Record<string, string> = { '1': '1 ★', '2': '2 ★', '3': '3 ★', '4': '4 ★', '5': '5 ★' };

/** One stage's feedback: figures, history chart and distributions. */
export const StageFeedback = ({ stage }: { stage: StageFeedbackView }) => {
  const palette = usePalette();
  const installedOk = stage.installed.yes ?? 0;
  return (
    <article className="stage-feedback" data-testid="feedback-stage" data-stage-id={stage.stageId}>
      <Subtitle2 as="h3">{stage.label}</Subtitle2>
      <dl className="figures">
        <div>
          <dt>Responses</dt>
          <dd data-testid="feedback-responses">
            {stage.responses}
            {stage.audience !== null
              ? ` of ${stage.audience} (${percent(stage.responses, stage.audience)})`
              : ''}
          </dd>
        </div>
        <div>
          <dt>Average rating</dt>
          <dd data-testid="feedback-average">{rating(stage.averageRating)}</dd>
        </div>
        <div>
          <dt>Install success</dt>
          <dd data-testid="feedback-install-success">
            {percent(installedOk, stage.responses)}
            {stage.responses > 0 ? ` (${installedOk} of ${stage.responses})` : ''}
          </dd>
        </div>
        <div>
          <dt>Open blockers / majors</dt>
          <dd data-testid="feedback-open-issues">
            {stage.openBlockers} / {stage.openMajors}
          </dd>
        </div>
      </dl>
      <p className="muted" data-testid="history-since">
        {stage.historySince !== null
          ? `History begins ${localText(stage.historySince)}.`
          : 'No daily history yet.'}
      </p>
      <div className="charts">
        {stage.history.length > 0 ? (
          <ChartBox
            testId={`chart-history-${stage.stageId}`}
            title="Responses and average rating per day"
            spec={historySpec(stage)}
            palette={palette}
          />
        ) : null}
        <ChartBox
          testId={`chart-platforms-${stage.stageId}`}
          title="Answers by platform"
          spec={barSpec(stage.platforms, PLATFORMS, PLATFORM_LABELS)}
          palette={palette}
        />
        <ChartBox
          testId={`chart-categories-${stage.stageId}`}
          title="Answers by category"
          spec={barSpec(stage.categories, CATEGORIES, CATEGORY_LABELS)}
          palette={palette}
        />
      </div>
      <div className="count-lists">
        <CountList
          title="Severities"
          counts={stage.severities}
          known={SEVERITIES}
          labels={SEVERITY_LABELS}
          testId="feedback-severities"
        />
        <CountList
          title="Installed"
          counts={stage.installed}
          known={INSTALL_RESULTS}
          labels={INSTALLED_LABELS}
          testId="feedback-installed"
        />
        <CountList
          title="Ratings"
          counts={stage.ratings}
          known={['1', '2', '3', '4', '5']}
          labels={RATING_LABELS}
          testId="feedback-ratings"
        />
      </div>
    </article>
  );
};
