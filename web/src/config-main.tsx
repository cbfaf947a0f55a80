import { Body1, Title2 } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { ConfigApp } from './config/ConfigApp';
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
    root.render(<ConfigApp host={host} />);
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
