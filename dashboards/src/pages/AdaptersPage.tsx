/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import React, { useEffect, useRef, useState } from 'react';
import {
  EuiBasicTable,
  EuiButton,
  EuiButtonEmpty,
  EuiCallOut,
  EuiDescriptionList,
  EuiFieldText,
  EuiFlexGroup,
  EuiFlexItem,
  EuiForm,
  EuiFormRow,
  EuiPanel,
  EuiProgress,
  EuiSelect,
  EuiSpacer,
  EuiText,
  EuiTextArea,
} from '@elastic/eui';
import { Adapter, LlocoApi, TaskInfo } from '../api';
import { Busy, Code, ErrorBanner, FormSection, NotAvailable, PanelHeader, Section, useAction, useConfirmDelete, useIndexBindings, useLoad, usePickedIndex, useSubmit } from '../components/common';
import { bytes, ms, num } from '../format';

/**
 * LoRA adapters: bind one to an index (index.lloco.adapter, works on every version of the plugin); with the adapters
 * API, list, register, delete, train with live progress from the task, cancel, and evaluate.
 */
export function AdaptersPage({ api, pollMs = 1000 }: { api: LlocoApi; pollMs?: number }) {
  const adapters = useLoad(() => api.adapters(), [api]);
  const available = adapters.data !== null && adapters.data !== undefined;
  return (
    <div data-test-subj="adaptersPage">
      {adapters.loading && !adapters.data && <Busy label="Loading adapters…" />}
      <ErrorBanner error={adapters.error} context="Listing adapters" />
      {adapters.data === null && (
        <NotAvailable api="the adapters API (/_plugins/lloco/adapters)">
          <p>
            This cluster's plugin has no adapters API, so this page cannot list, register, delete, train or evaluate adapters
            (<Code>GET|PUT|DELETE /_plugins/lloco/adapters/&#123;name&#125;</Code>, <Code>_train</Code>,{' '}
            <Code>_evaluate</Code>). Binding works: name an adapter directory from <Code>config/lloco/adapters/&lt;name&gt;/</Code> or
            the model's <Code>adapters/&lt;name&gt;/</Code> (the embedded <Code>lloco-tiny</Code> ships <Code>default</Code>), or{' '}
            <Code>none</Code> for the base model.
          </p>
        </NotAvailable>
      )}
      {available && (
        <>
          <AdapterList api={api} adapters={adapters.data!} onChange={() => void adapters.reload()} pollMs={pollMs} />
          <EuiSpacer size="m" />
          <RegisterForm api={api} onRegistered={() => void adapters.reload()} />
        </>
      )}
      <EuiSpacer size="m" />
      <BindingPanel api={api} names={(adapters.data ?? []).map((a) => a.name)} />
    </div>
  );
}

function AdapterList({ api, adapters, onChange, pollMs }: { api: LlocoApi; adapters: Adapter[]; onChange: () => void; pollMs: number }) {
  const [training, setTraining] = useState<string | null>(null);
  const [evaluating, setEvaluating] = useState<string | null>(null);
  const del = useConfirmDelete('adapter', 'Indices bound to it answer with an error until another adapter is bound.', (name) => api.deleteAdapter(name), onChange);
  return (
    <Section title="Adapters">
      <ErrorBanner error={del.error} context="Deleting the adapter" />
      <EuiBasicTable
        data-test-subj="adaptersTable"
        aria-label="Adapters"
        items={adapters}
        noItemsMessage="No adapter registered yet."
        columns={[
          { field: 'name', name: 'Name' },
          { field: 'version', name: 'Version', render: (v: unknown) => (v === undefined ? '—' : String(v)) },
          { field: 'base_model', name: 'Base model', render: (v: unknown) => (v === undefined ? '—' : String(v)) },
          { name: 'r / alpha', render: (a: Adapter) => `${num(a.r)} / ${num(a.alpha)}` },
          { field: 'target_modules', name: 'Modules', render: (v: unknown) => (Array.isArray(v) ? v.join(', ') : '—') },
          { field: 'size_bytes', name: 'Size', render: (v: unknown) => bytes(v) },
          { field: 'bound_indices', name: 'Indices', render: (v: unknown) => (Array.isArray(v) && v.length ? v.join(', ') : '—') },
          { field: 'eval', name: 'Eval', render: (v: unknown) => <Metrics metrics={v} /> },
          {
            name: 'Actions',
            render: (a: Adapter) => (
              <EuiFlexGroup gutterSize="xs" responsive={false} wrap>
                <EuiFlexItem grow={false}>
                  <EuiButtonEmpty size="xs" iconType="play" onClick={() => setTraining(a.name)} aria-label={`Train ${a.name}`}>
                    Train
                  </EuiButtonEmpty>
                </EuiFlexItem>
                <EuiFlexItem grow={false}>
                  <EuiButtonEmpty size="xs" iconType="visGauge" onClick={() => setEvaluating(a.name)} aria-label={`Evaluate ${a.name}`}>
                    Evaluate
                  </EuiButtonEmpty>
                </EuiFlexItem>
                <EuiFlexItem grow={false}>
                  <EuiButtonEmpty size="xs" iconType="trash" color="danger" onClick={() => del.ask(a.name)} aria-label={`Delete ${a.name}`}>
                    Delete
                  </EuiButtonEmpty>
                </EuiFlexItem>
              </EuiFlexGroup>
            ),
          },
        ]}
      />
      {del.dialog}
      {training && <TrainPanel api={api} name={training} pollMs={pollMs} onDone={onChange} onClose={() => setTraining(null)} />}
      {evaluating && <EvaluatePanel api={api} name={evaluating} onDone={onChange} onClose={() => setEvaluating(null)} />}
    </Section>
  );
}

/** Numbers and strings of an evaluation, one level of nesting flattened (adapter.f1, no_adapter.f1, ...); lists left out. */
function flatMetrics(metrics: Record<string, unknown>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v === 'number' || typeof v === 'string') out.push([k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        if (typeof v2 === 'number' || typeof v2 === 'string') out.push([`${k}.${k2}`, v2]);
      }
    }
  }
  return out;
}

function Metrics({ metrics }: { metrics: unknown }) {
  if (!metrics || typeof metrics !== 'object') return <>—</>;
  const entries = flatMetrics(metrics as Record<string, unknown>);
  if (entries.length === 0) return <>—</>;
  return (
    <span>
      {entries.map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? num(v) : v.toFixed(3)) : v}`).join(' · ')}
    </span>
  );
}

/** A JSON body typed by the user: parsed before it is sent, errors shown. */
function useJson(initial: string) {
  const [text, setText] = useState(initial);
  let value: Record<string, unknown> | undefined;
  let error: string | undefined;
  try {
    const v = JSON.parse(text || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) value = v;
    else error = 'the body must be a JSON object';
  } catch (e) {
    error = (e as Error).message;
  }
  return { text, setText, value, error };
}

function RegisterForm({ api, onRegistered }: { api: LlocoApi; onRegistered: () => void }) {
  const [name, setName] = useState('');
  const body = useJson('{\n  "path": "my-adapter",\n  "base_model": "lloco-tiny"\n}');
  const put = useSubmit<string>(onRegistered);
  const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) && !body.error;
  return (
    <FormSection label="Register an adapter" title="Register an adapter" onSubmit={() => valid && put.submit(() => api.putAdapter(name, body.value!), () => name)}>
      <ErrorBanner error={put.error} context="Registering the adapter" />
      {put.done && <EuiCallOut color="success" iconType="check" size="s" title={`Adapter ${put.done} registered`} role="status" />}
      <EuiFormRow label="Name">
        <EuiFieldText value={name} onChange={(e) => setName(e.target.value)} data-test-subj="adapterName" />
      </EuiFormRow>
      <EuiFormRow label="Body (JSON)" isInvalid={!!body.error} error={body.error} fullWidth helpText="PUT /_plugins/lloco/adapters/{name}">
        <EuiTextArea value={body.text} onChange={(e) => body.setText(e.target.value)} rows={6} fullWidth isInvalid={!!body.error} style={{ fontFamily: 'monospace' }} />
      </EuiFormRow>
      <EuiButton type="submit" fill isDisabled={!valid || put.busy} isLoading={put.busy}>
        Register
      </EuiButton>
    </FormSection>
  );
}

/** Starts a training, then follows its task until it completes, fails or is cancelled. */
function TrainPanel({ api, name, pollMs, onDone, onClose }: { api: LlocoApi; name: string; pollMs: number; onDone: () => void; onClose: () => void }) {
  const body = useJson('{\n  "source_index": "",\n  "examples": "",\n  "steps": 200\n}');
  const start = useAction();
  const [task, setTask] = useState<string | null>(null);
  const [info, setInfo] = useState<TaskInfo | null>(null);
  const [pollError, setPollError] = useState<unknown>();
  const cancel = useAction();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (!task) return;
    let live = true;
    const poll = async () => {
      try {
        const t = await api.task(task);
        if (!live) return;
        setInfo(t);
        setPollError(undefined);
        if (t.completed) {
          onDone();
          return;
        }
      } catch (e) {
        if (!live) return;
        setPollError(e);
      }
      timer.current = setTimeout(poll, pollMs);
    };
    void poll();
    return () => {
      live = false;
      if (timer.current) clearTimeout(timer.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, task, pollMs]);

  const s = info?.status ?? {};
  const step = typeof s.step === 'number' ? s.step : undefined;
  const total = typeof s.total_steps === 'number' ? s.total_steps : undefined;
  const failed = info?.completed && info.error;
  return (
    <div data-test-subj="trainPanel">
      <EuiSpacer size="m" />
      <EuiPanel color="subdued" paddingSize="m">
        <PanelHeader title={`Train ${name}`} onClose={onClose} />
        <ErrorBanner error={start.error} context="Starting the training" />
        {!task && (
          <EuiForm
            component="form"
            aria-label={`Train ${name}`}
            onSubmit={async (e: React.FormEvent) => {
              e.preventDefault();
              if (body.error) return;
              const r = await start.run(() => api.train(name, body.value!));
              if (r?.task) setTask(r.task);
            }}
          >
            <EuiFormRow label="Body (JSON)" isInvalid={!!body.error} error={body.error} fullWidth helpText={`POST /_plugins/lloco/adapters/${name}/_train`}>
              <EuiTextArea value={body.text} onChange={(e) => body.setText(e.target.value)} rows={4} fullWidth isInvalid={!!body.error} style={{ fontFamily: 'monospace' }} />
            </EuiFormRow>
            <EuiButton type="submit" fill isDisabled={!!body.error || start.busy} isLoading={start.busy} data-test-subj="startTraining">
              Start training
            </EuiButton>
          </EuiForm>
        )}
        {task && (
          <>
            <EuiText size="s">
              <p>
                Task <Code>{task}</Code>
                {info?.completed ? (info.cancelled ? ': cancelled' : failed ? ': failed' : ': done') : ': running'}
              </p>
            </EuiText>
            <EuiSpacer size="s" />
            <EuiProgress
              data-test-subj="trainProgress"
              value={step ?? 0}
              max={total ?? 100}
              size="m"
              color={failed ? 'danger' : 'primary'}
              valueText={step !== undefined && total !== undefined ? `${step} / ${total} steps` : undefined}
              label="Training progress"
              aria-label="Training progress"
            />
            <EuiSpacer size="s" />
            <EuiDescriptionList
              compressed
              type="column"
              data-test-subj="trainStatus"
              listItems={[
                { title: 'Step', description: `${num(step)} / ${num(total)}` },
                { title: 'Loss', description: typeof s.loss === 'number' ? s.loss.toFixed(4) : '—' },
                { title: 'Tokens / s', description: num(typeof s.tokens_per_second === 'number' ? Math.round(s.tokens_per_second) : undefined) },
                { title: 'Time left', description: ms(s.eta_ms) },
              ]}
            />
            <ErrorBanner error={pollError} context="Reading the task" />
            {Boolean(failed) && <ErrorBanner error={new Error(typeof info!.error === 'object' ? JSON.stringify(info!.error) : String(info!.error))} context="The training failed" />}
            <ErrorBanner error={cancel.error} context="Cancelling" />
            {!info?.completed && (
              <>
                <EuiSpacer size="s" />
                <EuiButton color="danger" size="s" onClick={() => void cancel.run(() => api.cancelTask(task))} isLoading={cancel.busy} data-test-subj="cancelTraining">
                  Cancel training
                </EuiButton>
              </>
            )}
          </>
        )}
      </EuiPanel>
    </div>
  );
}

function EvaluatePanel({ api, name, onDone, onClose }: { api: LlocoApi; name: string; onDone: () => void; onClose: () => void }) {
  const body = useJson('{\n  "source_index": "",\n  "examples": ""\n}');
  const ev = useAction();
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  return (
    <div data-test-subj="evaluatePanel">
      <EuiSpacer size="m" />
      <EuiPanel color="subdued" paddingSize="m">
        <PanelHeader title={`Evaluate ${name}`} onClose={onClose} />
        <ErrorBanner error={ev.error} context="Evaluating" />
        <EuiForm
          component="form"
          aria-label={`Evaluate ${name}`}
          onSubmit={async (e: React.FormEvent) => {
            e.preventDefault();
            if (body.error) return;
            const r = await ev.run(() => api.evaluate(name, body.value!));
            if (r) {
              setResult(r);
              onDone();
            }
          }}
        >
          <EuiFormRow label="Body (JSON)" isInvalid={!!body.error} error={body.error} fullWidth helpText={`POST /_plugins/lloco/adapters/${name}/_evaluate`}>
            <EuiTextArea value={body.text} onChange={(e) => body.setText(e.target.value)} rows={3} fullWidth isInvalid={!!body.error} style={{ fontFamily: 'monospace' }} />
          </EuiFormRow>
          <EuiButton type="submit" fill isDisabled={!!body.error || ev.busy} isLoading={ev.busy}>
            Evaluate
          </EuiButton>
        </EuiForm>
        {ev.busy && <Busy label="Evaluating…" />}
        {result && (
          <EuiText size="s" data-test-subj="evalResult">
            <p>
              <Metrics metrics={(result.eval as Record<string, unknown>) ?? result} />
            </p>
          </EuiText>
        )}
      </EuiPanel>
    </div>
  );
}

/** index.lloco.adapter per index: what answers questions over it. */
function BindingPanel({ api, names }: { api: LlocoApi; names: string[] }) {
  const state = useIndexBindings(api);
  const indices = state.data?.indices ?? [];
  const [index, setIndex] = usePickedIndex(indices);
  const [adapter, setAdapter] = useState('');
  const bind = useAction();
  const items = indices.map((i) => ({ index: i.index, adapter: state.data?.bindings[i.index]?.adapter }));
  const save = async (value: string | null) => {
    const r = await bind.run(() => api.putIndexSettings(index, { 'index.lloco.adapter': value }));
    if (r !== undefined) await state.reload();
  };
  return (
    <Section
      title="Bindings"
      intro={
        <>
          The index setting <Code>index.lloco.adapter</Code> picks the adapter for questions over an index (empty: the model's{' '}
          <Code>default</Code>; <Code>none</Code>: the base model).
        </>
      }
    >
      <ErrorBanner error={state.error} context="Reading index settings" />
      <ErrorBanner error={bind.error} context="Binding" />
      <EuiBasicTable
        data-test-subj="bindingsTable"
        aria-label="Adapter bindings"
        loading={state.loading}
        items={items}
        noItemsMessage={state.loading ? 'Loading…' : 'No index.'}
        columns={[
          { field: 'index', name: 'Index' },
          { field: 'adapter', name: 'Adapter', render: (v: unknown) => (typeof v === 'string' ? v : <em>model default</em>) },
        ]}
      />
      <EuiSpacer size="s" />
      <EuiForm
        component="form"
        aria-label="Bind an adapter"
        onSubmit={(e: React.FormEvent) => {
          e.preventDefault();
          if (index && adapter.trim()) void save(adapter.trim());
        }}
      >
        <EuiFlexGroup gutterSize="s" alignItems="flexEnd" wrap>
          <EuiFlexItem grow={false}>
            <EuiFormRow label="Index">
              <EuiSelect options={indices.map((i) => ({ value: i.index, text: i.index }))} value={index} onChange={(e) => setIndex(e.target.value)} data-test-subj="bindIndex" />
            </EuiFormRow>
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiFormRow label="Adapter" helpText={names.length ? `registered: ${names.join(', ')}` : 'a directory name, or none'}>
              <EuiFieldText value={adapter} onChange={(e) => setAdapter(e.target.value)} list="lloco-adapter-names" data-test-subj="bindAdapter" />
            </EuiFormRow>
            <datalist id="lloco-adapter-names">
              {['default', 'none', ...names].map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiButton type="submit" fill isDisabled={!index || !adapter.trim() || bind.busy} isLoading={bind.busy} data-test-subj="bindSubmit">
              Bind
            </EuiButton>
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiButtonEmpty isDisabled={!index || bind.busy} onClick={() => void save(null)}>
              Reset to the model's default
            </EuiButtonEmpty>
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiForm>
    </Section>
  );
}
