import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ApiFailure, describe } from './api';

export type Resource<T> =
  | { state: 'loading' }
  | { state: 'error'; error: ApiFailure }
  | { state: 'ready'; data: T; refreshing: boolean; refreshError: ApiFailure | null };

const asFailure = (error: unknown): ApiFailure =>
  error instanceof ApiFailure ? error : new ApiFailure(0, 'client', describe(error));

interface Stored<T> {
  key: string;
  resource: Resource<T>;
}

/**
 * Loads `load()` when `key` changes; `reload()` fetches again in the background (the data stays on
 * screen while it refreshes; a failed refresh keeps it and says so). Answers to a stale key are dropped.
 */
export const useResource = <T>(
  key: string,
  load: () => Promise<T>,
): [Resource<T>, () => void, (data: T) => void] => {
  const [stored, setStored] = useState<Stored<T>>({ key, resource: { state: 'loading' } });
  const generation = useRef(0);
  const loadRef = useRef(load);
  const keyRef = useRef(key);
  useLayoutEffect(() => {
    loadRef.current = load;
    keyRef.current = key;
  });

  /** Fetches for `forKey`; state changes only when the answer comes. */
  const start = useCallback((forKey: string) => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) {
          setStored({
            key: forKey,
            resource: { state: 'ready', data, refreshing: false, refreshError: null },
          });
        }
      },
      (error: unknown) => {
        if (mine !== generation.current) return;
        const failure = asFailure(error);
        setStored((current) =>
          current.key === forKey && current.resource.state === 'ready'
            ? { key: forKey, resource: { ...current.resource, refreshing: false, refreshError: failure } }
            : { key: forKey, resource: { state: 'error', error: failure } },
        );
      },
    );
  }, []);

  useEffect(() => {
    start(key);
  }, [key, start]);

  const reload = useCallback(() => {
    const forKey = keyRef.current;
    setStored((current) =>
      current.key === forKey && current.resource.state === 'ready'
        ? { key: forKey, resource: { ...current.resource, refreshing: true } }
        : { key: forKey, resource: { state: 'loading' } },
    );
    start(forKey);
  }, [start]);

  const replace = useCallback((data: T) => {
    generation.current++;
    setStored({
      key: keyRef.current,
      resource: { state: 'ready', data, refreshing: false, refreshError: null },
    });
  }, []);

  const resource: Resource<T> = stored.key === key ? stored.resource : { state: 'loading' };
  return [resource, reload, replace];
};

export const REFRESH_MS = 60_000;

/** Calls `refresh` every `everyMs` while the page is visible, and once when it becomes visible again. */
export const useAutoRefresh = (refresh: () => void, everyMs: number = REFRESH_MS): void => {
  const refreshRef = useRef(refresh);
  useLayoutEffect(() => {
    refreshRef.current = refresh;
  });
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refreshRef.current();
    }, everyMs);
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') refreshRef.current();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [everyMs]);
};
