import { Badge, Body1, Button, Caption1, Field, Textarea } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { IssueView } from '../../../src/tab/api-types';
import { ApiFailure, describe, type ApiClient } from '../api';
import { instantText } from '../format';
import { CATEGORY_LABELS, MAX_NOTE_LENGTH, PLATFORM_LABELS, label } from '../options';

interface IssueProps {
  issue: IssueView;
  admin: boolean;
  api: ApiClient;
  rolloutId: string;
  zone: string;
  onChanged: (message: string) => void;
}

const IssueItem = ({ issue, admin, api, rolloutId, zone, onChanged }: IssueProps) => {
  const [resolving, setResolving] = useState(false);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = (resolved: boolean, text: string): void => {
    setBusy(true);
    setError(null);
    api.resolve(rolloutId, { ref: issue.ref, resolved, note: text }).then(
      (answer) => {
        setBusy(false);
        setResolving(false);
        setNote('');
        onChanged(answer.message);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(
          failure instanceof ApiFailure ? (failure.fields.note ?? failure.message) : describe(failure),
        );
      },
    );
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (note.trim() === '') {
      setError('Say how it was resolved.');
      return;
    }
    send(true, note.trim());
  };

  return (
    <li
      className="issue"
      data-testid="issue"
      data-ref={issue.ref}
      data-resolved={String(issue.resolution !== null)}
    >
      <div className="issue-head">
        <Badge appearance="filled" color={issue.severity === 'blocker' ? 'danger' : 'warning'}>
          {issue.severity === 'blocker' ? 'Blocker' : 'Major'}
        </Badge>
        <Badge appearance="outline" color={issue.resolution === null ? 'important' : 'success'}>
          {issue.resolution === null ? 'Open' : 'Resolved'}
        </Badge>
        <Caption1 as="span">
          {issue.stageLabel} · {label(CATEGORY_LABELS, issue.category)} ·{' '}
          {label(PLATFORM_LABELS, issue.platform)} · {instantText(issue.at, zone)}
          {issue.name !== null ? ` · ${issue.name}` : ''}
        </Caption1>
      </div>
      <Body1 as="p" className="issue-comment">
        {issue.comment !== '' ? issue.comment : <span className="muted">No comment.</span>}
      </Body1>
      {issue.resolution !== null ? (
        <Caption1 as="p" data-testid="issue-resolution">
          Resolved by {issue.resolution.by}, {instantText(issue.resolution.at, zone)}: {issue.resolution.note}
        </Caption1>
      ) : null}
      {admin && issue.resolution === null && !resolving ? (
        <Button size="small" onClick={() => setResolving(true)} data-testid="issue-resolve">
          Resolve
        </Button>
      ) : null}
      {admin && issue.resolution !== null ? (
        <Button size="small" onClick={() => send(false, '')} disabled={busy} data-testid="issue-reopen">
          Reopen
        </Button>
      ) : null}
      {resolving ? (
        <form className="resolve-form" onSubmit={submit} noValidate data-testid="issue-resolve-form">
          <Field
            label="Resolution note"
            required
            validationState={error !== null ? 'error' : 'none'}
            validationMessage={error ?? undefined}
          >
            <Textarea
              value={note}
              maxLength={MAX_NOTE_LENGTH}
              onChange={(_, d) => setNote(d.value)}
              resize="vertical"
            />
          </Field>
          <div className="buttons">
            <Button type="submit" appearance="primary" disabled={busy} size="small">
              {busy ? 'Resolving…' : 'Mark resolved'}
            </Button>
            <Button size="small" onClick={() => setResolving(false)} disabled={busy}>
              Cancel
            </Button>
          </div>
        </form>
      ) : null}
      {!resolving && error !== null ? (
        <Caption1 as="p" role="alert" className="error-text">
          {error}
        </Caption1>
      ) : null}
    </li>
  );
};

/** Open blockers and majors first (as the API orders them), with their resolutions. */
export const Issues = (props: Omit<IssueProps, 'issue'> & { issues: IssueView[] }) => (
  <div className="issues" data-testid="issues">
    <h3 className="h3">Blockers and major issues</h3>
    {props.issues.length === 0 ? (
      <Body1 as="p">No blockers or major issues reported.</Body1>
    ) : (
      <ul className="plain">
        {props.issues.map((issue) => (
          <IssueItem key={issue.ref} {...props} issue={issue} />
        ))}
      </ul>
    )}
  </div>
);
