import { Body1, Caption1, Radio, RadioGroup, Title2 } from '@fluentui/react-components';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { RolloutRow } from '../../../src/tab/api-types';
import { ApiClient, describe } from '../api';
import { Empty, Failure, Loading } from '../components/States';
import { Shell } from '../components/Shell';
import type { TeamsHost, ThemeName } from '../host';
import { useResource } from '../hooks';
import { rolloutTabUrl } from '../urls';

/** The configurable tab's settings: pick the rollout the channel or chat tab shows. */
export const ConfigApp = ({ host }: { host: TeamsHost }) => {
  const [theme, setTheme] = useState<ThemeName>(host.theme);
  const api = useMemo(() => new ApiClient(host.tokens), [host]);
  const [rollouts, reload] = useResource('rollouts', () => api.rollouts());
  const [chosen, setChosen] = useState<RolloutRow | null>(null);
  const chosenRef = useRef<RolloutRow | null>(null);
  useLayoutEffect(() => {
    chosenRef.current = chosen;
  });

  useEffect(() => {
    const { pages } = host.teams;
    host.onThemeChange(setTheme);
    pages.config.registerOnSaveHandler((saveEvent) => {
      const row = chosenRef.current;
      if (row === null) {
        saveEvent.notifyFailure('Choose a rollout first.');
        return;
      }
      const url = rolloutTabUrl(row.id);
      pages.config
        .setConfig({
          entityId: `rollout-${row.id}`,
          contentUrl: url,
          websiteUrl: url,
          suggestedDisplayName: row.name,
        })
        .then(
          () => saveEvent.notifySuccess(),
          (error: unknown) => saveEvent.notifyFailure(describe(error)),
        );
    });
    host.notifySuccess();
  }, [host]);

  const choose = (row: RolloutRow): void => {
    setChosen(row);
    host.teams.pages.config.setValidityState(true);
  };

  return (
    <Shell theme={theme}>
      <div className="page" data-testid="config">
        <Title2 as="h1">Pin a rollout</Title2>
        <Body1 as="p">
          Choose the rollout this tab shows. Everyone here sees its dashboard, as far as they may.
        </Body1>
        {rollouts.state === 'loading' ? <Loading label="Loading rollouts…" /> : null}
        {rollouts.state === 'error' ? (
          <Failure error={rollouts.error} onRetry={reload} what="the rollouts" />
        ) : null}
        {rollouts.state === 'ready' && rollouts.data.rollouts.length === 0 ? (
          <Empty testId="state-empty" title="No rollouts yet">
            Start one first: send the bot <code>rollout new {'{name}'}</code>, then add the tab again.
          </Empty>
        ) : null}
        {rollouts.state === 'ready' && rollouts.data.rollouts.length > 0 ? (
          <RadioGroup
            aria-label="Rollout"
            value={chosen?.id ?? ''}
            data-testid="config-choices"
            onChange={(_, d) => {
              const row = rollouts.data.rollouts.find((r) => r.id === d.value);
              if (row !== undefined) choose(row);
            }}
          >
            {rollouts.data.rollouts.map((r) => (
              <Radio
                key={r.id}
                value={r.id}
                label={
                  <>
                    {r.name} <Caption1 as="span">· {r.stageLabel}</Caption1>
                  </>
                }
              />
            ))}
          </RadioGroup>
        ) : null}
      </div>
    </Shell>
  );
};
