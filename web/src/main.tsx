import { Body1, Title2 } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
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
  if (host.kind === 'unreachable') {
    root.render(
      <Shell theme={host.theme}>
        <div className="page" data-testid="not-in-teams">
          <Title2 as="h1">Rollouts</Title2>
          <Body1 as="p">{host.message}</Body1>
        </div>
      </Shell>,
    );
    return;
  }
  root.render(<App host={host} />);
});
