import { Button, Caption1, Link } from '@fluentui/react-components';
import { useState } from 'react';
import type { ExportResponse } from '../../../src/tab/api-types';
import { ApiFailure, describe, type ApiClient } from '../api';
import { instantText } from '../format';

/** Admins: a signed, single-use CSV link; the person opens it (a new tab, no opener). */
export const ExportButton = ({ api, rolloutId }: { api: ApiClient; rolloutId: string }) => {
  const [link, setLink] = useState<ExportResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = (): void => {
    setBusy(true);
    setError(null);
    setLink(null);
    api.exportCsv(rolloutId).then(
      (answer) => {
        setBusy(false);
        setLink(answer);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof ApiFailure ? failure.message : describe(failure));
      },
    );
  };

  return (
    <div className="export" data-testid="export">
      <Button onClick={start} disabled={busy} data-testid="export-start">
        {busy ? 'Preparing…' : 'Export CSV'}
      </Button>
      {link !== null ? (
        <Caption1 as="span" aria-live="polite">
          <Link href={link.url} target="_blank" rel="noopener" data-testid="export-link">
            Download the CSV
          </Link>{' '}
          (once, until {instantText(link.expiresAt)})
        </Caption1>
      ) : null}
      {error !== null ? (
        <Caption1 as="span" role="alert" className="error-text" data-testid="export-error">
          {error}
        </Caption1>
      ) : null}
    </div>
  );
};
