import {
  Body1,
  Caption1,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Title2,
} from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { RolloutRow } from '../../../src/tab/api-types';
import { ApiClient, describe } from '../api';
import { Empty, Failure, Loading } from '../components/States';
import { Shell } from '../components/Shell';
import type { TeamsHost, ThemeName } from '../host';
import { useResource } from '../hooks';

/** The configurable tab's settings: pick the rollout the channel or chat tab shows. */
export const ConfigApp = ({
  host,
  onChoose,
  problem,
}: {
  host: TeamsHost;
  /** Tells the save handler (registered at start, outside React) which rollout to pin. */
  onChoose: (row: RolloutRow) => void;
  /** Why Save cannot work here (Teams did not open this page as a tab's settings), or null. */
  problem: string | null;
}) => {
  const [theme, setTheme] = useState<ThemeName>(host.theme);
  const api = useMemo(() => new ApiClient(host.tokens), [host]);
  const [rollouts, reload] = useResource('rollouts', () => api.rollouts());
  const [chosen, setChosen] = useState<RolloutRow | null>(null);
  const [saveProblem, setSaveProblem] = useState<string | null>(problem);

  useEffect(() => {
    host.onThemeChange(setTheme);
    host.notifySuccess();
  }, [host]);

  const choose = (row: RolloutRow): void => {
    setChosen(row);
    onChoose(row);
    try {
      host.teams.pages.config.setValidityState(true);
    } catch (error) {
      setSaveProblem(describe(error));
    }
  };

  return (
    <Shell theme={theme}>
      <div className="page" data-testid="config">
        <Title2 as="h1">Pin a rollout</Title2>
        <Body1 as="p">
          Choose the rollout this tab shows. Everyone here sees its dashboard, as far as they may.
        </Body1>
        {saveProblem !== null ? (
          <MessageBar intent="error" data-testid="config-problem">
            <MessageBarBody>
              Teams cannot save this tab from here: {saveProblem}. Add the tab again from the channel or
              chat&apos;s “Add a tab”.
            </MessageBarBody>
          </MessageBar>
        ) : null}
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
