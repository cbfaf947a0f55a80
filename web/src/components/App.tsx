import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiClient } from '../api';
import { rolloutFromTeams, type BrowserHost, type TeamsHost, type ThemeName } from '../host';
import { useResource } from '../hooks';
import { pageParams } from '../urls';
import { Dashboard } from './Dashboard';
import { RolloutList } from './RolloutList';
import { Shell } from './Shell';
import { Failure, Loading } from './States';

const LocalBanner = ({ tenantId }: { tenantId: string }) => (
  <MessageBar intent="warning" className="local-banner" data-testid="local-banner">
    <MessageBarBody>
      <MessageBarTitle>Local mode: no sign-in, tenant {tenantId}</MessageBarTitle>
      Anyone who can reach this address sees this tenant&apos;s rollouts.
    </MessageBarBody>
  </MessageBar>
);

const initialRollout = (host: BrowserHost | TeamsHost): string | null =>
  pageParams().rollout ?? (host.kind === 'teams' ? rolloutFromTeams(host) : null);

/** The personal tab and the pinned dashboard: who the viewer is, then the list or one rollout. */
export const App = ({ host }: { host: BrowserHost | TeamsHost }) => {
  const [theme, setTheme] = useState<ThemeName>(host.theme);
  const [rollout, setRollout] = useState<string | null>(() => initialRollout(host));
  const api = useMemo(() => new ApiClient(host.kind === 'teams' ? host.tokens : null), [host]);
  const [me, reloadMe] = useResource('me', () => api.me());

  useEffect(() => {
    if (host.kind !== 'teams') return;
    host.onThemeChange(setTheme);
    host.notifySuccess();
  }, [host]);

  useEffect(() => {
    const onPop = (): void => setRollout(pageParams().rollout);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const open = useCallback((id: string | null) => {
    const url = new URL(location.href);
    if (id === null) url.searchParams.delete('rollout');
    else url.searchParams.set('rollout', id);
    history.pushState(null, '', url);
    setRollout(id);
    window.scrollTo(0, 0);
  }, []);

  return (
    <Shell theme={theme}>
      {me.state === 'loading' ? <Loading label="Signing in…" /> : null}
      {me.state === 'error' ? <Failure error={me.error} onRetry={reloadMe} what="your details" /> : null}
      {me.state === 'ready' ? (
        <>
          {me.data.mode === 'local' ? <LocalBanner tenantId={me.data.tenantId} /> : null}
          {rollout === null ? (
            <RolloutList api={api} onOpen={open} />
          ) : (
            <Dashboard key={rollout} api={api} id={rollout} onBack={() => open(null)} />
          )}
        </>
      ) : null}
    </Shell>
  );
};
