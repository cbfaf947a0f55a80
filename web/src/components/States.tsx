import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { ApiFailure } from '../api';

export const Loading = ({ label }: { label: string }) => (
  <div className="state" data-testid="state-loading" role="status">
    <Spinner label={label} />
  </div>
);

const Notice = ({
  testId,
  intent,
  title,
  children,
  action,
}: {
  testId: string;
  intent: 'error' | 'warning' | 'info';
  title: string;
  children: ReactNode;
  action?: ReactNode;
}) => (
  <div className="state" data-testid={testId}>
    <MessageBar intent={intent} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {children}
      </MessageBarBody>
      {action !== undefined ? <MessageBarActions>{action}</MessageBarActions> : null}
    </MessageBar>
  </div>
);

/** 403 / 404 / anything else, with the API's message; a Retry button where retrying can help. */
export const Failure = ({
  error,
  onRetry,
  what,
}: {
  error: ApiFailure;
  onRetry: () => void;
  what: string;
}) => {
  if (error.status === 403) {
    return (
      <Notice testId="state-forbidden" intent="warning" title="No access">
        {error.message}
      </Notice>
    );
  }
  if (error.status === 404) {
    return (
      <Notice testId="state-not-found" intent="warning" title="Not found">
        {error.message}
      </Notice>
    );
  }
  return (
    <Notice
      testId="state-error"
      intent="error"
      title={`Could not load ${what}`}
      action={
        <Button appearance="primary" onClick={onRetry} data-testid="retry">
          Retry
        </Button>
      }
    >
      {error.message}
    </Notice>
  );
};

/** A background refresh failed: the data on screen stays, and says it may be stale. */
export const RefreshFailed = ({ error, onRetry }: { error: ApiFailure; onRetry: () => void }) => (
  <Notice
    testId="refresh-error"
    intent="warning"
    title="Could not refresh"
    action={
      <Button onClick={onRetry} data-testid="refresh-retry">
        Retry
      </Button>
    }
  >
    {error.message} What you see may be out of date.
  </Notice>
);

export const Empty = ({
  testId,
  title,
  children,
}: {
  testId: string;
  title: string;
  children: ReactNode;
}) => (
  <Notice testId={testId} intent="info" title={title}>
    {children}
  </Notice>
);
