/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import React, { useCallback, useEffect, useRef, useState } from 'react';
import {
  EuiButtonEmpty,
  EuiCallOut,
  EuiConfirmModal,
  EuiFlexGroup,
  EuiFlexItem,
  EuiForm,
  EuiLoadingSpinner,
  EuiPanel,
  EuiSpacer,
  EuiText,
  EuiTitle,
} from '@elastic/eui';
import type { IndexBindings, IndexRow, LlocoApi } from '../api';
import { HttpError } from '../http';

/** The cluster's error, as it said it: status, error type and reason. role=alert, so screen readers announce it. */
export function ErrorBanner({ error, context, onDismiss }: { error: unknown; context?: string; onDismiss?: () => void }) {
  if (!error) return null;
  const http = error instanceof HttpError ? error : null;
  const title = http
    ? http.status === 0
      ? `${context ? context + ': ' : ''}the cluster could not be reached`
      : `${context ? context + ': ' : ''}the cluster answered ${http.status}${http.type ? ' ' + http.type : ''}`
    : `${context ? context + ': ' : ''}error`;
  const reason = http ? http.reason : error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" data-test-subj="errorBanner">
      <EuiCallOut color="danger" iconType="alert" title={title} size="s">
        <p data-test-subj="errorReason">{reason}</p>
        {onDismiss && (
          <EuiButtonEmpty size="xs" onClick={onDismiss}>
            Dismiss
          </EuiButtonEmpty>
        )}
      </EuiCallOut>
    </div>
  );
}

/** A spinner with a text, announced politely. */
export function Busy({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" data-test-subj="busy">
      <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false}>
        <EuiFlexItem grow={false}>
          <EuiLoadingSpinner size="m" aria-hidden="true" />
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiText size="s" color="subdued">
            {label}
          </EuiText>
        </EuiFlexItem>
      </EuiFlexGroup>
    </div>
  );
}

/** An API this cluster does not have yet (the endpoint answered "no handler found"). */
export function NotAvailable({ api, children }: { api: string; children?: React.ReactNode }) {
  return (
    <EuiCallOut color="warning" iconType="help" title={`Not available on this cluster: ${api}`} data-test-subj="notAvailable">
      {children}
    </EuiCallOut>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads {@code fn} on mount and on reload(); the latest call wins. */
export function useLoad<T>(fn: () => Promise<T>, deps: React.DependencyList = []): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const mounted = useRef(true);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(fn, deps);
  const reload = useCallback(async () => {
    const my = ++seq.current;
    setLoading(true);
    try {
      const v = await load();
      if (mounted.current && my === seq.current) {
        setData(v);
        setError(undefined);
      }
    } catch (e) {
      if (mounted.current && my === seq.current) setError(e);
    } finally {
      if (mounted.current && my === seq.current) setLoading(false);
    }
  }, [load]);
  useEffect(() => {
    mounted.current = true;
    void reload();
    return () => {
      mounted.current = false;
    };
  }, [reload]);
  return { data, error, loading, reload };
}

/** Runs one action at a time with its own busy flag and error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    []
  );
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (e) {
      if (mounted.current) setError(e);
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/**
 * A form that makes one thing (an index, a pipeline, an adapter, a document). submit(fn, made) forgets the last success,
 * runs fn with useAction's busy flag and error and, when fn succeeded, keeps made(its result) as done (for the form's
 * "created" note) and calls onDone.
 */
export function useSubmit<T>(onDone: () => void) {
  const action = useAction();
  const [done, setDone] = useState<T | null>(null);
  const submit = async <R,>(fn: () => Promise<R>, made: (result: R) => T) => {
    setDone(null);
    const r = await action.run(fn);
    if (r !== undefined) {
      setDone(made(r));
      onDone();
    }
  };
  return { busy: action.busy, error: action.error, done, submit };
}

/**
 * Deleting one item of a list after asking. ask(name) opens the ConfirmDelete dialog ("Delete <kind> <name>?", with
 * {@code consequence}), which the page renders as {@code dialog}; "Delete" closes it and runs remove(name) with its own
 * busy flag and error, then onDeleted when the deletion succeeded.
 */
export function useConfirmDelete(kind: string, consequence: string, remove: (name: string) => Promise<unknown>, onDeleted: () => void) {
  const [pending, setPending] = useState<string | null>(null);
  const action = useAction();
  const dialog =
    pending === null ? null : (
      <ConfirmDelete
        what={`${kind} ${pending}`}
        consequence={consequence}
        onCancel={() => setPending(null)}
        onConfirm={async () => {
          setPending(null);
          const r = await action.run(() => remove(pending));
          if (r !== undefined) onDeleted();
        }}
      />
    );
  return { ask: setPending, dialog, busy: action.busy, error: action.error };
}

/** The open indices and their bindings (default pipeline, adapter), loaded together; again when {@code refresh} changes. */
export function useIndexBindings(api: LlocoApi, refresh?: number): Loaded<{ indices: IndexRow[]; bindings: Record<string, IndexBindings> }> {
  return useLoad(async () => {
    const [indices, bindings] = await Promise.all([api.indices(), api.bindings()]);
    return { indices, bindings };
  }, [api, refresh]);
}

/** The index picked in a select: the first of {@code indices} until one is picked. */
export function usePickedIndex(indices: IndexRow[] | undefined) {
  const [index, setIndex] = useState('');
  useEffect(() => {
    if (!index && indices && indices.length > 0) setIndex(indices[0].index);
  }, [indices, index]);
  return [index, setIndex] as const;
}

/** The heading of a section: an h2, an optional subdued intro, then a small space. */
function SectionHeading({ title, intro }: { title: React.ReactNode; intro?: React.ReactNode }) {
  return (
    <>
      <EuiTitle size="xs">
        <h2>{title}</h2>
      </EuiTitle>
      {intro && (
        <EuiText size="xs" color="subdued">
          <p>{intro}</p>
        </EuiText>
      )}
      <EuiSpacer size="s" />
    </>
  );
}

/** A section of a page: a panel under its heading. */
export function Section({ title, intro, testSubj, children }: { title: React.ReactNode; intro?: React.ReactNode; testSubj?: string; children?: React.ReactNode }) {
  return (
    <EuiPanel paddingSize="m" data-test-subj={testSubj}>
      <SectionHeading title={title} intro={intro} />
      {children}
    </EuiPanel>
  );
}

/** A section that is a form named {@code label}, its heading inside it; submitting calls onSubmit instead of loading a page. */
export function FormSection({
  label,
  title,
  intro,
  onSubmit,
  children,
}: {
  label: string;
  title: React.ReactNode;
  intro?: React.ReactNode;
  onSubmit: () => unknown;
  children?: React.ReactNode;
}) {
  return (
    <EuiPanel paddingSize="m">
      <EuiForm
        component="form"
        aria-label={label}
        onSubmit={(e: React.FormEvent) => {
          e.preventDefault();
          void onSubmit();
        }}
      >
        <SectionHeading title={title} intro={intro} />
        {children}
      </EuiForm>
    </EuiPanel>
  );
}

/** Inline code (OUI's EuiCode pulls a syntax highlighter of half a megabyte into the page). */
export function Code({ children }: { children: React.ReactNode }) {
  return <code style={{ fontFamily: 'Menlo, Consolas, monospace', fontSize: '0.9em', background: 'rgba(0,0,0,0.05)', padding: '0 3px', borderRadius: 3 }}>{children}</code>;
}

/**
 * Asks before deleting {@code what} (e.g. "adapter a1"); the focus starts on "Keep it". {@code onConfirm} runs after the
 * dialog closed; {@code consequence} says what the deletion breaks.
 */
export function ConfirmDelete({
  what,
  consequence,
  onCancel,
  onConfirm,
}: {
  what: string;
  consequence: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <EuiConfirmModal
      role="dialog"
      aria-modal="true"
      title={`Delete ${what}?`}
      onCancel={onCancel}
      onConfirm={onConfirm}
      cancelButtonText="Keep it"
      confirmButtonText="Delete"
      buttonColor="danger"
      defaultFocusedButton="cancel"
    >
      <p>{consequence}</p>
    </EuiConfirmModal>
  );
}

/** The title row of a side panel, with its Close button. */
export function PanelHeader({ title, onClose }: { title: string; onClose: () => void }) {
  return (
    <EuiFlexGroup justifyContent="spaceBetween" responsive={false}>
      <EuiFlexItem grow={false}>
        <EuiTitle size="xxs">
          <h3>{title}</h3>
        </EuiTitle>
      </EuiFlexItem>
      <EuiFlexItem grow={false}>
        <EuiButtonEmpty size="xs" onClick={onClose}>
          Close
        </EuiButtonEmpty>
      </EuiFlexItem>
    </EuiFlexGroup>
  );
}
