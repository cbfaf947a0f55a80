import {
  Body1,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Title2,
} from '@fluentui/react-components';
import type { RolloutsResponse } from '../../../src/tab/api-types';
import type { ApiClient } from '../api';
import { useAutoRefresh, useResource } from '../hooks';
import { OpenByName } from './OpenByName';
import { Scroll } from './Section';
import { Sparkline } from './Sparkline';
import { Empty, Failure, Loading, RefreshFailed } from './States';
import { GateBadge, StatusBadge } from './StatusBadge';

const Rows = ({ data, onOpen }: { data: RolloutsResponse; onOpen: (id: string) => void }) => (
  <Scroll label="Rollouts">
    <Table className="rollouts" aria-label="Rollouts" data-testid="rollout-table">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Rollout</TableHeaderCell>
          <TableHeaderCell>Stage</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell>Gate</TableHeaderCell>
          <TableHeaderCell>Responses per day</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {data.rollouts.map((row) => (
          <TableRow key={row.id} data-testid="rollout-row" data-rollout-id={row.id}>
            <TableCell>
              <Link as="button" onClick={() => onOpen(row.id)} data-testid="rollout-open">
                {row.name}
              </Link>
            </TableCell>
            <TableCell>{row.stageLabel}</TableCell>
            <TableCell>
              <StatusBadge status={row.status} />
            </TableCell>
            <TableCell>
              <GateBadge passes={row.gate.passes} met={row.gate.met} total={row.gate.total} />
            </TableCell>
            <TableCell>
              <Sparkline points={row.spark} label={`${row.name}, ${row.stageLabel}`} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  </Scroll>
);

/** The personal tab's list: the viewer's rollouts (or the tenant's, for admins). */
export const RolloutList = ({ api, onOpen }: { api: ApiClient; onOpen: (id: string) => void }) => {
  const [resource, reload] = useResource('rollouts', () => api.rollouts());
  useAutoRefresh(reload);

  return (
    <div className="page" data-testid="rollout-list">
      <Title2 as="h1">Rollouts</Title2>
      <OpenByName api={api} onOpen={onOpen} />
      {resource.state === 'loading' ? <Loading label="Loading rollouts…" /> : null}
      {resource.state === 'error' ? (
        <Failure error={resource.error} onRetry={reload} what="the rollouts" />
      ) : null}
      {resource.state === 'ready' ? (
        <>
          {resource.refreshError !== null ? (
            <RefreshFailed error={resource.refreshError} onRetry={reload} />
          ) : null}
          <Body1 as="p" data-testid="rollout-scope" data-scope={resource.data.scope}>
            {resource.data.scope === 'tenant'
              ? 'Every rollout in your organization (you are an admin).'
              : 'Rollouts whose audience or help desk includes you.'}
          </Body1>
          {resource.data.rollouts.length === 0 ? (
            <Empty testId="state-empty" title="No rollouts yet">
              Start one in Teams: send the bot <code>rollout new {'{name}'}</code> in a chat or channel.
            </Empty>
          ) : (
            <Rows data={resource.data} onOpen={onOpen} />
          )}
        </>
      ) : null}
    </div>
  );
};
