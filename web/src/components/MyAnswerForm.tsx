import { Button, Checkbox, Field, Radio, RadioGroup, Select, Textarea } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { MyAnswer } from '../../../src/tab/api-types';
import { ApiFailure, describe, type ApiClient } from '../api';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  INSTALL_RESULTS,
  INSTALLED_LABELS,
  MAX_COMMENT_LENGTH,
  PLATFORM_LABELS,
  PLATFORMS,
  RATINGS,
  SEVERITIES,
  SEVERITY_LABELS,
} from '../options';

type Answer = NonNullable<MyAnswer['answer']>;
type Draft = Omit<Answer, 'rating'> & { rating: number | null };

const EMPTY: Draft = {
  rating: null,
  installed: '',
  category: '',
  severity: '',
  platform: '',
  comment: '',
  shareName: false,
};

const check = (draft: Draft): Record<string, string> => {
  const errors: Record<string, string> = {};
  if (draft.rating === null) errors.rating = 'Choose a rating from 1 to 5.';
  if (draft.installed === '') errors.installed = 'Say whether it installed.';
  if (draft.category === '') errors.category = 'Choose a category.';
  if (draft.severity === '') errors.severity = 'Choose a severity.';
  if (draft.platform === '') errors.platform = 'Choose a platform.';
  if (draft.comment.length > MAX_COMMENT_LENGTH) errors.comment = `At most ${MAX_COMMENT_LENGTH} characters.`;
  return errors;
};

const state = (errors: Record<string, string>, field: string) =>
  errors[field] !== undefined
    ? { validationState: 'error' as const, validationMessage: errors[field] }
    : { validationState: 'none' as const };

/** The viewer's own answer for the current stage: PUT feedback, with the server's field errors. */
export const MyAnswerForm = ({
  mine,
  api,
  rolloutId,
  onSaved,
  onCancel,
}: {
  mine: MyAnswer;
  api: ApiClient;
  rolloutId: string;
  onSaved: (saved: MyAnswer, message: string) => void;
  onCancel?: () => void;
}) => {
  const [draft, setDraft] = useState<Draft>(mine.answer ?? EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void =>
    setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const found = check(draft);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0 || draft.rating === null) return;
    setBusy(true);
    api.saveFeedback(rolloutId, { stageId: mine.stageId, answer: { ...draft, rating: draft.rating } }).then(
      (saved) => {
        setBusy(false);
        onSaved(saved.mine, saved.message);
      },
      (failure: unknown) => {
        setBusy(false);
        if (failure instanceof ApiFailure) {
          setErrors(failure.fields);
          setFormError(failure.message);
        } else setFormError(describe(failure));
      },
    );
  };

  const choices = (values: readonly string[], labels: Record<string, string>) => [
    <option key="" value="">
      Choose…
    </option>,
    ...values.map((v) => (
      <option key={v} value={v}>
        {labels[v] ?? v}
      </option>
    )),
  ];

  return (
    <form className="answer-form" onSubmit={submit} noValidate data-testid="mine-form">
      <Field label="Rating" required {...state(errors, 'rating')}>
        <RadioGroup
          layout="horizontal"
          value={draft.rating === null ? '' : String(draft.rating)}
          onChange={(_, d) => set('rating', Number(d.value))}
          name="rating"
        >
          {RATINGS.map((r) => (
            <Radio key={r} value={String(r)} label={String(r)} />
          ))}
        </RadioGroup>
      </Field>
      <Field label="Did it install?" required {...state(errors, 'installed')}>
        <RadioGroup
          layout="horizontal"
          value={draft.installed}
          onChange={(_, d) => set('installed', d.value)}
          name="installed"
        >
          {INSTALL_RESULTS.map((v) => (
            <Radio key={v} value={v} label={INSTALLED_LABELS[v]} />
          ))}
        </RadioGroup>
      </Field>
      <div className="form-row">
        <Field label="Category" required {...state(errors, 'category')}>
          <Select value={draft.category} onChange={(_, d) => set('category', d.value)} name="category">
            {choices(CATEGORIES, CATEGORY_LABELS)}
          </Select>
        </Field>
        <Field label="Severity" required {...state(errors, 'severity')}>
          <Select value={draft.severity} onChange={(_, d) => set('severity', d.value)} name="severity">
            {choices(SEVERITIES, SEVERITY_LABELS)}
          </Select>
        </Field>
        <Field label="Platform" required {...state(errors, 'platform')}>
          <Select value={draft.platform} onChange={(_, d) => set('platform', d.value)} name="platform">
            {choices(PLATFORMS, PLATFORM_LABELS)}
          </Select>
        </Field>
      </div>
      <Field
        label="Comment"
        hint={`${draft.comment.length} of ${MAX_COMMENT_LENGTH} characters`}
        {...state(errors, 'comment')}
      >
        <Textarea
          value={draft.comment}
          maxLength={MAX_COMMENT_LENGTH}
          onChange={(_, d) => set('comment', d.value)}
          resize="vertical"
          name="comment"
        />
      </Field>
      <Field {...state(errors, 'shareName')}>
        <Checkbox
          checked={draft.shareName}
          onChange={(_, d) => set('shareName', d.checked === true)}
          label="Share my name with the rollout team"
          name="shareName"
        />
      </Field>
      {formError !== null ? (
        <p role="alert" className="error-text" data-testid="mine-error">
          {formError}
        </p>
      ) : null}
      <div className="buttons">
        <Button type="submit" appearance="primary" disabled={busy} data-testid="mine-save">
          {busy ? 'Saving…' : 'Save my feedback'}
        </Button>
        {onCancel !== undefined ? (
          <Button onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
        ) : null}
      </div>
    </form>
  );
};
