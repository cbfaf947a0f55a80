import { Body1, Title2 } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import type { RolloutRow } from '../../src/tab/api-types';
import { describe } from './api';
import { ConfigApp } from './config/ConfigApp';
import { registerSave } from './config/save';
import { Shell } from './components/Shell';
import { Loading } from './components/States';
import { detectHost, themeName } from './host';
import { pageParams } from './urls';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('The page has no #root element.');
const root = createRoot(container);
const params = pageParams();
root.render(
  <Shell theme={themeName(params.theme)}>
    <Loading label="Starting…" />
  </Shell>,
);

void detectHost(params.theme).then((host) => {
  if (host.kind === 'teams') {
    let chosen: RolloutRow | null = null;
    let problem: string | null = null;
    try {
      registerSave(host.teams, () => chosen);
    } catch (error) {
      problem = describe(error);
    }
    root.render(
      <ConfigApp
        host={host}
        problem={problem}
        onChoose={(row) => {
          chosen = row;
        }}
      />,
    );
    return;
  }
  root.render(
    <Shell theme={host.theme}>
      <div className="page" data-testid="config-outside-teams">
        <Title2 as="h1">Pin a rollout</Title2>
        <Body1 as="p">
          This is the tab&apos;s settings page. Open it from Teams: in a channel or chat, choose “Add a tab”,
          then Rollout Coordinator.
        </Body1>
      </div>
    </Shell>,
  );
});
