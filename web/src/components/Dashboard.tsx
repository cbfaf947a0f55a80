import { Body1, Button, Caption1, MessageBar, MessageBarBody, Title2 } from '@fluentui/react-components';
import { useState } from 'react';
import type { DashboardResponse } from '../../../src/tab/api-types';
import type { ApiClient } from '../api';
import { instantText } from '../format';
import { useAutoRefresh, useResource } from '../hooks';
import { Announcements } from './Announcements';
import { AuditLog } from './AuditLog';
import { ExportButton } from './ExportButton';
import { FeedbackSection } from './FeedbackSection';
import { GateTable } from './GateTable';
import { MineSection } from './MineSection';
import { Signoff } from './Signoff';
import { Failure, Loading, RefreshFailed } from './States';
import { StatusBadge } from './StatusBadge';
import { Timeline } from './Timeline';

const Header = ({
  data,
  api,
  onBack,
}: {
  data: DashboardResponse;
  api: ApiClient;
  onBack: (() => void) | null;
}) => (
  <header className="dash-head">
    {onBack !== null ? (
      <Button appearance="subtle" onClick={onBack} data-testid="back">
        ← All rollouts
      </Button>
    ) : null}
    <div className="dash-title">
      <Title2 as="h1" data-testid="rollout-name">
        {data.rollout.name}
      </Title2>
      <StatusBadge status={data.rollout.status} />
    </div>
    <Body1 as="p" data-testid="rollout-stage">
      {data.rollout.stageLabel}
    </Body1>
    <Caption1 as="p">
      Updated {instantText(data.generatedAt, data.rollout.timeZone)} ({data.rollout.timeZone}) · refreshes
      every minute
    </Caption1>
    {data.viewer.admin ? <ExportButton api={api} rolloutId={data.rollout.id} /> : null}
  </header>
);

/** One rollout's dashboard (the pinned channel tab, or opened from the list). */
export const Dashboard = ({
  api,
  id,
  onBack,
}: {
  api: ApiClient;
  id: string;
  onBack: (() => void) | null;
}) => {
  const [resource, reload, replace] = useResource(`dashboard:${id}`, () => api.dashboard(id));
  const [notice, setNotice] = useState<string | null>(null);
  useAutoRefresh(reload);

  if (resource.state === 'loading') return <Loading label="Loading the rollout…" />;
  if (resource.state === 'error') {
    return (
      <div className="page">
        {onBack !== null ? (
          <Button appearance="subtle" onClick={onBack} data-testid="back">
            ← All rollouts
          </Button>
        ) : null}
        <Failure error={resource.error} onRetry={reload} what="the rollout" />
      </div>
    );
  }
  const data = resource.data;
  const changed = (message: string): void => {
    setNotice(message);
    reload();
  };
  return (
    <div className="page" data-testid="dashboard" data-rollout-id={data.rollout.id}>
      <Header data={data} api={api} onBack={onBack} />
      {resource.refreshError !== null ? (
        <RefreshFailed error={resource.refreshError} onRetry={reload} />
      ) : null}
      {notice !== null ? (
        <MessageBar intent="success" data-testid="notice">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      ) : null}
      <Timeline data={data} />
      <GateTable gate={data.gate} />
      <FeedbackSection data={data} api={api} onChanged={changed} />
      <MineSection
        mine={data.feedback.mine}
        api={api}
        rolloutId={data.rollout.id}
        onSaved={(mine) => {
          replace({ ...data, feedback: { ...data.feedback, mine } });
          reload();
        }}
      />
      <Signoff requests={data.signoff} zone={data.rollout.timeZone} />
      <Announcements items={data.announcements} zone={data.rollout.timeZone} />
      <AuditLog
        api={api}
        rolloutId={data.rollout.id}
        zone={data.rollout.timeZone}
        refreshKey={data.generatedAt}
      />
    </div>
  );
};
