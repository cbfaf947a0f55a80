import {
  Body1,
  Button,
  Field,
  Input,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import type { AuditEntryView } from '../../../src/tab/api-types';
import { ApiFailure, describe, type ApiClient } from '../api';
import { instantText } from '../format';
import { Scroll, Section } from './Section';

interface Filter {
  kind: string;
  person: string;
}

interface Pages {
  entries: AuditEntryView[];
  next: string | null;
  kinds: string[];
  pages: number;
}

/** The rollout's audit log: filter by kind and person, page back with "Older". */
export const AuditLog = ({
  api,
  rolloutId,
  zone,
  refreshKey,
}: {
  api: ApiClient;
  rolloutId: string;
  zone: string;
  /** Changes when the dashboard refreshed: the first page is loaded again (unless paged back). */
  refreshKey: string;
}) => {
  const [draft, setDraft] = useState<Filter>({ kind: '', person: '' });
  const [filter, setFilter] = useState<Filter>({ kind: '', person: '' });
  const [pages, setPages] = useState<Pages | null>(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const pagesRef = useRef<Pages | null>(null);

  const load = (cursor: string | null, applied: Filter, append: boolean): void => {
    const mine = ++generation.current;
    setBusy(true);
    setError(null);
    api.audit(rolloutId, { ...applied, cursor }).then(
      (page) => {
        if (mine !== generation.current) return;
        setBusy(false);
        setPages((prev) =>
          append && prev !== null
            ? {
                entries: [...prev.entries, ...page.entries],
                next: page.next,
                kinds: page.kinds,
                pages: prev.pages + 1,
              }
            : { entries: page.entries, next: page.next, kinds: page.kinds, pages: 1 },
        );
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setBusy(false);
        setError(failure instanceof ApiFailure ? failure.message : describe(failure));
      },
    );
  };
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
    pagesRef.current = pages;
  });

  useEffect(() => {
    if ((pagesRef.current?.pages ?? 1) > 1) return;
    loadRef.current(null, filter, false);
  }, [rolloutId, filter, refreshKey]);

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    setPages(null);
    setFilter({ kind: draft.kind, person: draft.person.trim() });
  };

  return (
    <Section testId="audit" title="Audit log">
      <form className="audit-filter" onSubmit={apply} noValidate data-testid="audit-filter">
        <Field label="Kind">
          <Select
            value={draft.kind}
            onChange={(_, d) => setDraft((f) => ({ ...f, kind: d.value }))}
            data-testid="audit-kind"
          >
            <option value="">All kinds</option>
            {(pages?.kinds ?? []).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Person">
          <Input
            value={draft.person}
            onChange={(_, d) => setDraft((f) => ({ ...f, person: d.value }))}
            placeholder="Name or id"
            data-testid="audit-person"
          />
        </Field>
        <Button type="submit" data-testid="audit-apply">
          Filter
        </Button>
      </form>
      {error !== null ? (
        <div role="alert" className="error-text" data-testid="audit-error">
          {error}{' '}
          <Button size="small" onClick={() => load(null, filter, false)}>
            Retry
          </Button>
        </div>
      ) : null}
      {pages !== null && pages.entries.length === 0 ? <Body1 as="p">No audit entries match.</Body1> : null}
      {pages !== null && pages.entries.length > 0 ? (
        <Scroll label="Audit entries">
          <Table aria-label="Audit entries" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>When</TableHeaderCell>
                <TableHeaderCell>Kind</TableHeaderCell>
                <TableHeaderCell>By</TableHeaderCell>
                <TableHeaderCell>What</TableHeaderCell>
                <TableHeaderCell>From → to</TableHeaderCell>
                <TableHeaderCell>Reason</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {pages.entries.map((e, i) => (
                <TableRow key={`${e.at}-${i}`} data-testid="audit-entry" data-kind={e.kind}>
                  <TableCell>{instantText(e.at, zone)}</TableCell>
                  <TableCell>{e.kind}</TableCell>
                  <TableCell>{e.by}</TableCell>
                  <TableCell>{e.summary}</TableCell>
                  <TableCell>
                    {e.from !== null || e.to !== null ? `${e.from ?? '—'} → ${e.to ?? '—'}` : ''}
                  </TableCell>
                  <TableCell>{e.reason ?? ''}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Scroll>
      ) : null}
      {busy ? <Spinner size="tiny" label="Loading the audit log…" /> : null}
      {pages?.next != null && !busy ? (
        <Button onClick={() => load(pages.next, filter, true)} data-testid="audit-older">
          Older
        </Button>
      ) : null}
    </Section>
  );
};
