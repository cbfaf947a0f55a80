import { Body1, Button, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { useState } from 'react';
import type { MyAnswer } from '../../../src/tab/api-types';
import type { ApiClient } from '../api';
import { CATEGORY_LABELS, INSTALLED_LABELS, PLATFORM_LABELS, SEVERITY_LABELS, label } from '../options';
import { MyAnswerForm } from './MyAnswerForm';
import { Section } from './Section';

const Summary = ({ answer }: { answer: NonNullable<MyAnswer['answer']> }) => (
  <dl className="figures" data-testid="mine-answer">
    <div>
      <dt>Rating</dt>
      <dd>{answer.rating} of 5</dd>
    </div>
    <div>
      <dt>Installed</dt>
      <dd>{label(INSTALLED_LABELS, answer.installed)}</dd>
    </div>
    <div>
      <dt>Category</dt>
      <dd>{label(CATEGORY_LABELS, answer.category)}</dd>
    </div>
    <div>
      <dt>Severity</dt>
      <dd>{label(SEVERITY_LABELS, answer.severity)}</dd>
    </div>
    <div>
      <dt>Platform</dt>
      <dd>{label(PLATFORM_LABELS, answer.platform)}</dd>
    </div>
    <div>
      <dt>Name shared</dt>
      <dd>{answer.shareName ? 'Yes' : 'No'}</dd>
    </div>
    <div className="wide">
      <dt>Comment</dt>
      <dd>{answer.comment !== '' ? answer.comment : '—'}</dd>
    </div>
  </dl>
);

/** The viewer's own feedback for the current stage, and the form to give or change it. */
export const MineSection = ({
  mine,
  api,
  rolloutId,
  onSaved,
}: {
  mine: MyAnswer | null;
  api: ApiClient;
  rolloutId: string;
  onSaved: (mine: MyAnswer) => void;
}) => {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const current = mine;

  return (
    <Section testId="mine" title="My feedback">
      {current === null ? (
        <Body1 as="p">The current stage does not ask for feedback.</Body1>
      ) : (
        <>
          <Body1 as="p">Your answer for {current.stageLabel}:</Body1>
          {saved !== null ? (
            <MessageBar intent="success" data-testid="mine-saved">
              <MessageBarBody>{saved}</MessageBarBody>
            </MessageBar>
          ) : null}
          {current.answer !== null ? (
            <Summary answer={current.answer} />
          ) : (
            <Body1 as="p">You have not answered yet.</Body1>
          )}
          {!current.canAnswer ? (
            <Body1 as="p" data-testid="mine-closed">
              {current.reason ?? 'You cannot answer for this stage now.'}
            </Body1>
          ) : editing || current.answer === null ? (
            <MyAnswerForm
              key={current.stageId}
              mine={current}
              api={api}
              rolloutId={rolloutId}
              onCancel={current.answer !== null ? () => setEditing(false) : undefined}
              onSaved={(next, message) => {
                setSaved(message);
                setEditing(false);
                onSaved(next);
              }}
            />
          ) : (
            <Button
              onClick={() => {
                setSaved(null);
                setEditing(true);
              }}
              data-testid="mine-edit"
            >
              Change my answer
            </Button>
          )}
        </>
      )}
    </Section>
  );
};
