import { Body1 } from '@fluentui/react-components';
import type { DashboardResponse } from '../../../src/tab/api-types';
import type { ApiClient } from '../api';
import { Comments } from './Comments';
import { Issues } from './Issues';
import { Section } from './Section';
import { StageFeedback } from './StageFeedback';

export const FeedbackSection = ({
  data,
  api,
  onChanged,
}: {
  data: DashboardResponse;
  api: ApiClient;
  onChanged: (message: string) => void;
}) => (
  <Section testId="feedback" title="Feedback">
    {data.feedback.stages.length === 0 ? (
      <Body1 as="p">No stage has asked for feedback yet.</Body1>
    ) : (
      data.feedback.stages.map((stage) => <StageFeedback key={stage.stageId} stage={stage} />)
    )}
    <Issues
      issues={data.feedback.issues}
      admin={data.viewer.admin}
      api={api}
      rolloutId={data.rollout.id}
      zone={data.rollout.timeZone}
      onChanged={onChanged}
    />
    <Comments comments={data.feedback.comments} zone={data.rollout.timeZone} />
  </Section>
);
