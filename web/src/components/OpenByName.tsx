import { Button, Field, Input } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { ApiFailure, describe, type ApiClient } from '../api';

/** "Open by name": the lookup `status {name}` uses, then opens the dashboard. */
export const OpenByName = ({ api, onOpen }: { api: ApiClient; onOpen: (id: string) => void }) => {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (name.trim() === '') {
      setError('Type a rollout name or id.');
      return;
    }
    setBusy(true);
    setError(null);
    api.lookup(name.trim()).then(
      (found) => {
        setBusy(false);
        onOpen(found.id);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof ApiFailure ? failure.message : describe(failure));
      },
    );
  };

  return (
    <form className="open-by-name" onSubmit={submit} data-testid="open-by-name" noValidate>
      <Field
        label="Open by name"
        validationState={error !== null ? 'error' : 'none'}
        validationMessage={error ?? undefined}
      >
        <Input value={name} onChange={(_, data) => setName(data.value)} placeholder="Rollout name or id" />
      </Field>
      <Button type="submit" appearance="primary" disabled={busy}>
        {busy ? 'Opening…' : 'Open'}
      </Button>
    </form>
  );
};
