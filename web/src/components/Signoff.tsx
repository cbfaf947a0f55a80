import { Badge, Body1, Caption1, Subtitle2 } from '@fluentui/react-components';
import type { SignoffRequestView } from '../../../src/tab/api-types';
import { instantText } from '../format';
import { Section } from './Section';

const STATUS = {
  open: { text: 'Open', color: 'brand' },
  closed: { text: 'Closed', color: 'informative' },
  superseded: { text: 'Superseded', color: 'subtle' },
  decided: { text: 'Decided', color: 'success' },
} as const;

const Names = ({ title, names, testId }: { title: string; names: string[]; testId: string }) => (
  <div className="names" data-testid={testId} data-count={names.length}>
    <Caption1 as="h4">
      {title} ({names.length})
    </Caption1>
    {names.length === 0 ? (
      <Caption1 as="p">—</Caption1>
    ) : (
      <ul>
        {names.map((n, i) => (
          <li key={`${n}-${i}`}>{n}</li>
        ))}
      </ul>
    )}
  </div>
);

/** The help desk's readiness sign-off requests: tally and who has not answered. */
export const Signoff = ({ requests, zone }: { requests: SignoffRequestView[]; zone: string }) => (
  <Section testId="signoff" title="Help-desk sign-off">
    {requests.length === 0 ? (
      <Body1 as="p">No sign-off has been requested.</Body1>
    ) : (
      requests.map((r) => (
        <article
          key={r.id}
          className="signoff"
          data-testid="signoff-request"
          data-request-id={r.id}
          data-status={r.status}
        >
          <div className="issue-head">
            <Subtitle2 as="h3">{r.stageLabel}</Subtitle2>
            <Badge appearance="tint" color={STATUS[r.status].color}>
              {STATUS[r.status].text}
            </Badge>
            <Badge appearance="outline" color={r.met ? 'success' : 'warning'}>
              {r.met ? 'Policy met' : 'Policy not met'}
            </Badge>
          </div>
          <Caption1 as="p" data-testid="signoff-tally">
            {r.ready.length} ready · {r.notReady.length} not ready · {r.notAnswered.length} not answered ·
            policy: {r.policy}
            {r.deadline !== null ? ` · deadline ${instantText(r.deadline, zone)}` : ' · no deadline'}
          </Caption1>
          <div className="count-lists">
            <Names title="Ready" names={r.ready} testId="signoff-ready" />
            <Names
              title="Not ready"
              names={r.notReady.map((n) => (n.reason !== '' ? `${n.name}: ${n.reason}` : n.name))}
              testId="signoff-not-ready"
            />
            <Names title="Not answered" names={r.notAnswered} testId="signoff-not-answered" />
          </div>
        </article>
      ))
    )}
  </Section>
);
