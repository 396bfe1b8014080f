/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { useEffect, useMemo, useState } from 'react';
import {
  EuiBasicTable,
  EuiButton,
  EuiButtonEmpty,
  EuiCallOut,
  EuiFieldNumber,
  EuiFieldText,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFormRow,
  EuiPanel,
  EuiSelect,
  EuiSpacer,
  EuiText,
  EuiTextArea,
  EuiTitle,
} from '@elastic/eui';
import { compressProcessor, IndexBindings, LlocoApi, Pipeline } from '../api';
import { Busy, Code, ErrorBanner, FormSection, PanelHeader, Section, useAction, useConfirmDelete, useIndexBindings, useLoad, usePickedIndex, useSubmit } from '../components/common';
import { num } from '../format';
import { mappingFor } from '../mapping';

interface PipelineRow {
  id: string;
  field: string;
  target: string;
  model: string;
  mode: string;
  boundary: string;
  description: string;
}

interface IndexState {
  index: string;
  docs: number | undefined;
  compressed: number | undefined;
  pipeline: string | undefined;
}

/** lloco_compress pipelines: list, create, delete, attach to an index; compressed and stale documents per index. */
export function IngestPage({ api }: { api: LlocoApi }) {
  const pipelines = useLoad(() => api.pipelines(), [api]);
  const rows: PipelineRow[] = useMemo(() => toRows(pipelines.data ?? {}), [pipelines.data]);
  const others = Object.keys(pipelines.data ?? {}).length - rows.length;
  const [refresh, setRefresh] = useState(0);
  return (
    <div data-test-subj="ingestPage">
      <PipelinesPanel api={api} rows={rows} others={others} loading={pipelines.loading} error={pipelines.error} onChange={() => void pipelines.reload()} />
      <EuiSpacer size="m" />
      <CreatePipelineForm api={api} onCreated={() => void pipelines.reload()} />
      <EuiSpacer size="m" />
      <IndicesPanel api={api} pipelines={rows} refresh={refresh} onChange={() => setRefresh((r) => r + 1)} />
      <EuiSpacer size="m" />
      <EuiFlexGroup gutterSize="m" wrap>
        <EuiFlexItem style={{ minWidth: 320 }}>
          <CreateIndexForm api={api} pipelines={rows} onCreated={() => setRefresh((r) => r + 1)} />
        </EuiFlexItem>
        <EuiFlexItem style={{ minWidth: 320 }}>
          <AddDocumentForm api={api} pipelines={rows} refresh={refresh} onAdded={() => setRefresh((r) => r + 1)} />
        </EuiFlexItem>
      </EuiFlexGroup>
    </div>
  );
}

function toRows(all: Record<string, Pipeline>): PipelineRow[] {
  return Object.entries(all)
    .map(([id, p]) => {
      const c = compressProcessor(p);
      if (!c) return null;
      return {
        id,
        field: str(c.field, '?'),
        target: str(c.target_field, 'lloco'),
        model: str(c.model, 'lloco-tiny'),
        mode: str(c.mode, 'accumulate'),
        boundary: str(c.segment_boundary, 'tokens'),
        description: p.description ?? '',
      };
    })
    .filter((r): r is PipelineRow => r !== null)
    .sort((a, b) => a.id.localeCompare(b.id));
}

function str(v: unknown, dflt: string): string {
  return typeof v === 'string' && v ? v : dflt;
}

function PipelinesPanel(props: { api: LlocoApi; rows: PipelineRow[]; others: number; loading: boolean; error: unknown; onChange: () => void }) {
  const { api, rows, others, loading, error, onChange } = props;
  const del = useConfirmDelete('pipeline', 'Indices that use it as their default pipeline will fail to index new documents until another one is attached.', (id) => api.deletePipeline(id), onChange);
  return (
    <Section title="lloco_compress pipelines">
      <ErrorBanner error={error} context="Listing pipelines" />
      <ErrorBanner error={del.error} context="Deleting the pipeline" />
      <EuiBasicTable
        data-test-subj="pipelinesTable"
        aria-label="lloco_compress pipelines"
        loading={loading}
        items={rows}
        noItemsMessage={loading ? 'Loading…' : 'No pipeline with a lloco_compress processor yet: create one below.'}
        columns={[
          { field: 'id', name: 'Pipeline' },
          { field: 'field', name: 'Text field' },
          { field: 'model', name: 'Model' },
          { field: 'mode', name: 'Mode' },
          { field: 'boundary', name: 'Segments' },
          { field: 'target', name: 'Target field' },
          { field: 'description', name: 'Description' },
          {
            name: 'Actions',
            actions: [
              {
                name: 'Delete',
                description: 'Delete this pipeline',
                icon: 'trash',
                type: 'icon',
                color: 'danger',
                onClick: (r: PipelineRow) => del.ask(r.id),
                'data-test-subj': 'deletePipeline',
              },
            ],
          },
        ]}
      />
      {others > 0 && (
        <EuiText size="xs" color="subdued">
          <p>{others} other pipeline(s) without a lloco_compress processor are not listed.</p>
        </EuiText>
      )}
      {del.dialog}
      {del.busy && <Busy label="Deleting…" />}
    </Section>
  );
}

function CreatePipelineForm({ api, onCreated }: { api: LlocoApi; onCreated: () => void }) {
  const [id, setId] = useState('');
  const [field, setField] = useState('body');
  const [model, setModel] = useState('lloco-tiny');
  const [mode, setMode] = useState('independent');
  const [boundary, setBoundary] = useState('sentence');
  const [storage, setStorage] = useState('float16');
  const [batch, setBatch] = useState(1);
  const [description, setDescription] = useState('');
  const create = useSubmit<string>(onCreated);
  const body: Pipeline = {
    description: description || `compress ${field} with ${model}`,
    processors: [{ lloco_compress: { field, model, mode, segment_boundary: boundary, storage, batch_size: batch } }],
  };
  const valid = /^[^\s/\\*?"<>|,#]+$/.test(id) && field.trim() !== '' && model.trim() !== '';
  return (
    <FormSection label="Create a lloco_compress pipeline" title="Create a pipeline" onSubmit={() => valid && create.submit(() => api.putPipeline(id, body), () => id)}>
      <ErrorBanner error={create.error} context="Creating the pipeline" />
      {create.done && <EuiCallOut color="success" iconType="check" size="s" title={`Pipeline ${create.done} created`} role="status" />}
      <EuiFlexGroup gutterSize="m" wrap>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Name" isInvalid={id !== '' && !valid} error="no spaces or / \ * ? &quot; < > | , #">
            <EuiFieldText data-test-subj="pipelineName" value={id} onChange={(e) => setId(e.target.value)} isInvalid={id !== '' && !valid} />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Text field">
            <EuiFieldText data-test-subj="pipelineField" value={field} onChange={(e) => setField(e.target.value)} />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Model" helpText="lloco-tiny is embedded">
            <EuiFieldText data-test-subj="pipelineModel" value={model} onChange={(e) => setModel(e.target.value)} />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Mode">
            <EuiSelect
              options={[
                { value: 'independent', text: 'independent (segment retrieval)' },
                { value: 'accumulate', text: 'accumulate (whole documents)' },
              ]}
              value={mode}
              onChange={(e) => setMode(e.target.value)}
            />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Segment boundary">
            <EuiSelect
              options={[
                { value: 'sentence', text: 'whole sentences' },
                { value: 'tokens', text: 'every N tokens' },
              ]}
              value={boundary}
              onChange={(e) => setBoundary(e.target.value)}
            />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Storage">
            <EuiSelect
              options={[
                { value: 'float16', text: 'float16' },
                { value: 'float32', text: 'float32' },
              ]}
              value={storage}
              onChange={(e) => setStorage(e.target.value)}
            />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow label="Batch size">
            <EuiFieldNumber min={1} max={1024} value={batch} onChange={(e) => setBatch(Math.max(1, parseInt(e.target.value, 10) || 1))} />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem style={{ minWidth: 200 }}>
          <EuiFormRow label="Description">
            <EuiFieldText value={description} onChange={(e) => setDescription(e.target.value)} placeholder={body.description} />
          </EuiFormRow>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      <EuiPanel color="subdued" paddingSize="s" hasShadow={false}>
        <pre aria-label="Request body" style={{ margin: 0, fontSize: 12, whiteSpace: 'pre-wrap' }}>
          {`PUT _ingest/pipeline/${id || '<name>'}\n${JSON.stringify(body, null, 2)}`}
        </pre>
      </EuiPanel>
      <EuiSpacer size="s" />
      <EuiButton type="submit" fill isDisabled={!valid || create.busy} isLoading={create.busy} data-test-subj="createPipeline">
        Create pipeline
      </EuiButton>
    </FormSection>
  );
}

function IndicesPanel({ api, pipelines, refresh, onChange }: { api: LlocoApi; pipelines: PipelineRow[]; refresh: number; onChange: () => void }) {
  const state = useIndexBindings(api, refresh);
  const [counts, setCounts] = useState<Record<string, IndexState>>({});
  const [attachTo, setAttachTo] = useState<Record<string, string>>({});
  const [stale, setStale] = useState<string | null>(null);
  const attach = useAction();

  const targetOf = (b: IndexBindings | undefined) => pipelines.find((p) => p.id === b?.defaultPipeline)?.target ?? 'lloco';

  useEffect(() => {
    if (!state.data) return;
    let live = true;
    const list = state.data.indices.slice(0, 100);
    for (const i of list) {
      const b = state.data.bindings[i.index];
      const target = targetOf(b);
      Promise.all([api.count(i.index), api.count(i.index, { exists: { field: `${target}.fingerprint` } })])
        .then(([docs, compressed]) => {
          if (live) setCounts((c) => ({ ...c, [i.index]: { index: i.index, docs, compressed, pipeline: b?.defaultPipeline } }));
        })
        .catch(() => {
          if (live) setCounts((c) => ({ ...c, [i.index]: { index: i.index, docs: undefined, compressed: undefined, pipeline: b?.defaultPipeline } }));
        });
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.data, pipelines]);

  const items = (state.data?.indices ?? []).map((i) => ({
    index: i.index,
    pipeline: state.data?.bindings[i.index]?.defaultPipeline,
    docs: counts[i.index]?.docs,
    compressed: counts[i.index]?.compressed,
  }));

  return (
    <EuiPanel paddingSize="m">
      <EuiFlexGroup justifyContent="spaceBetween" alignItems="center" responsive={false}>
        <EuiFlexItem grow={false}>
          <EuiTitle size="xs">
            <h2>Indices</h2>
          </EuiTitle>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiButtonEmpty iconType="refresh" onClick={() => onChange()} isLoading={state.loading}>
            Refresh
          </EuiButtonEmpty>
        </EuiFlexItem>
      </EuiFlexGroup>
      <ErrorBanner error={state.error} context="Listing indices" />
      <ErrorBanner error={attach.error} context="Attaching the pipeline" />
      <EuiBasicTable
        data-test-subj="indicesTable"
        aria-label="Indices"
        loading={state.loading}
        items={items}
        noItemsMessage={state.loading ? 'Loading…' : 'No index yet: create one below.'}
        columns={[
          { field: 'index', name: 'Index' },
          { field: 'docs', name: 'Documents', render: (v: number | undefined) => num(v) },
          { field: 'compressed', name: 'Compressed', render: (v: number | undefined) => <span data-test-subj="compressedCount">{num(v)}</span> },
          { field: 'pipeline', name: 'Default pipeline', render: (v: string | undefined) => v ?? <em>none</em> },
          {
            name: 'Attach a pipeline',
            render: (row: { index: string; pipeline?: string }) => (
              <EuiFlexGroup gutterSize="xs" responsive={false}>
                <EuiFlexItem grow={false}>
                  <EuiSelect
                    compressed
                    style={{ minWidth: 150 }}
                    aria-label={`Pipeline for ${row.index}`}
                    options={[{ value: '', text: '(none)' }, ...pipelines.map((p) => ({ value: p.id, text: p.id }))]}
                    value={attachTo[row.index] ?? row.pipeline ?? ''}
                    onChange={(e) => setAttachTo((a) => ({ ...a, [row.index]: e.target.value }))}
                  />
                </EuiFlexItem>
                <EuiFlexItem grow={false}>
                  <EuiButton
                    size="s"
                    isDisabled={attach.busy || (attachTo[row.index] ?? row.pipeline ?? '') === (row.pipeline ?? '')}
                    onClick={async () => {
                      const p = attachTo[row.index] ?? '';
                      const r = await attach.run(() => api.putIndexSettings(row.index, { 'index.default_pipeline': p || null }));
                      if (r !== undefined) onChange();
                    }}
                  >
                    Attach
                  </EuiButton>
                </EuiFlexItem>
              </EuiFlexGroup>
            ),
          },
          {
            name: 'Stale',
            render: (row: { index: string; pipeline?: string }) => (
              <EuiButtonEmpty size="xs" isDisabled={!row.pipeline} onClick={() => setStale(row.index)} aria-label={`Check ${row.index} for stale documents`}>
                Check fingerprints
              </EuiButtonEmpty>
            ),
          },
        ]}
      />
      {stale && state.data && (
        <StaleReport
          api={api}
          index={stale}
          pipeline={pipelines.find((p) => p.id === state.data!.bindings[stale]?.defaultPipeline)}
          onClose={() => setStale(null)}
        />
      )}
    </EuiPanel>
  );
}

interface StaleResult {
  current?: string;
  model?: string;
  compressed: number;
  stale: number;
  ids: string[];
  fingerprints: Array<{ key: string; doc_count: number }>;
}

/**
 * Which documents are stale: compressed by a model whose fingerprint differs from the one the index's pipeline runs now.
 * The current fingerprint comes from simulating the pipeline on a one-sentence document (the model compresses it).
 */
function StaleReport({ api, index, pipeline, onClose }: { api: LlocoApi; index: string; pipeline?: PipelineRow; onClose: () => void }) {
  const report = useLoad(async (): Promise<StaleResult> => {
    if (!pipeline) throw new Error(`the default pipeline of ${index} has no lloco_compress processor`);
    const sim = await api.simulate(pipeline.id, [{ [pipeline.field]: 'A one-sentence probe of the model fingerprint.' }]);
    const doc = sim.docs?.[0];
    if (doc?.error) throw new Error(`simulating ${pipeline.id} failed: ${JSON.stringify(doc.error)}`);
    const lloco = (doc?.doc?._source?.[pipeline.target] ?? {}) as { fingerprint?: string; model?: string };
    const current = lloco.fingerprint;
    const fp = `${pipeline.target}.fingerprint`;
    const r = await api.search<{ hits: { total: { value: number }; hits: Array<{ _id: string }> }; aggregations?: { fingerprints?: { buckets: Array<{ key: string; doc_count: number }> } } }>(index, {
      size: 10,
      track_total_hits: true,
      _source: false,
      query: { bool: { filter: [{ exists: { field: fp } }], must_not: current ? [{ term: { [fp]: current } }] : [] } },
      aggs: { fingerprints: { terms: { field: fp, size: 10 } } },
    });
    const compressed = await api.count(index, { exists: { field: fp } });
    return {
      current,
      model: lloco.model,
      compressed,
      stale: r.hits.total.value,
      ids: r.hits.hits.map((h) => h._id),
      fingerprints: r.aggregations?.fingerprints?.buckets ?? [],
    };
  }, [api, index, pipeline?.id]);
  const d = report.data;
  return (
    <div data-test-subj="staleReport">
      <EuiSpacer size="m" />
      <EuiPanel color="subdued" paddingSize="s">
        <PanelHeader title={`Fingerprints in ${index}`} onClose={onClose} />
        {report.loading && <Busy label={`Simulating ${pipeline?.id ?? 'the pipeline'} to read the model's current fingerprint…`} />}
        <ErrorBanner error={report.error} context="Checking fingerprints" />
        {d && (
          <EuiText size="s">
            <p>
              {d.model ?? 'The model'} now has fingerprint <Code>{d.current ?? 'unknown'}</Code>.{' '}
              <strong data-test-subj="staleCount">{num(d.stale)}</strong> of {num(d.compressed)} compressed documents are stale
              {d.stale > 0 ? ' (compressed by another version of the model: re-compress them with _update_by_query through the pipeline)' : ''}.
            </p>
            {d.ids.length > 0 && <p>Stale: {d.ids.join(', ')}{d.stale > d.ids.length ? ', …' : ''}</p>}
            {d.fingerprints.length > 0 && (
              <ul>
                {d.fingerprints.map((b) => (
                  <li key={b.key}>
                    <Code>{b.key}</Code>: {num(b.doc_count)} {b.key === d.current ? '(current)' : '(stale)'}
                  </li>
                ))}
              </ul>
            )}
          </EuiText>
        )}
      </EuiPanel>
    </div>
  );
}

function CreateIndexForm({ api, pipelines, onCreated }: { api: LlocoApi; pipelines: PipelineRow[]; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [pipeline, setPipeline] = useState('');
  const [replicas, setReplicas] = useState(1);
  const create = useSubmit<string>(onCreated);
  const valid = /^[a-z0-9][a-z0-9_\-+.]*$/.test(name) && name.length <= 255;
  const target = pipelines.find((p) => p.id === pipeline)?.target ?? 'lloco';
  return (
    <FormSection
      label="Create an index"
      title="Create an index"
      intro="With the plugin's mapping (docs/lloco-mapping.json): segments nested, so questions can retrieve single segments."
      onSubmit={() => {
        if (!valid) return;
        const settings: Record<string, unknown> = { 'index.number_of_replicas': replicas };
        if (pipeline) settings['index.default_pipeline'] = pipeline;
        return create.submit(() => api.createIndex(name, { settings, mappings: mappingFor(target) }), () => name);
      }}
    >
      <ErrorBanner error={create.error} context="Creating the index" />
      {create.done && <EuiCallOut color="success" iconType="check" size="s" title={`Index ${create.done} created`} role="status" />}
      <EuiFormRow label="Index name" isInvalid={name !== '' && !valid} error="lower case letters, digits, - _ + . ; not starting with - _ +">
        <EuiFieldText data-test-subj="indexName" value={name} onChange={(e) => setName(e.target.value)} isInvalid={name !== '' && !valid} />
      </EuiFormRow>
      <EuiFormRow label="Default pipeline">
        <EuiSelect
          data-test-subj="indexPipeline"
          options={[{ value: '', text: '(none)' }, ...pipelines.map((p) => ({ value: p.id, text: p.id }))]}
          value={pipeline}
          onChange={(e) => setPipeline(e.target.value)}
        />
      </EuiFormRow>
      <EuiFormRow label="Replicas">
        <EuiFieldNumber min={0} max={10} value={replicas} onChange={(e) => setReplicas(Math.max(0, parseInt(e.target.value, 10) || 0))} />
      </EuiFormRow>
      <EuiSpacer size="s" />
      <EuiButton type="submit" fill isDisabled={!valid || create.busy} isLoading={create.busy} data-test-subj="createIndex">
        Create index
      </EuiButton>
    </FormSection>
  );
}

function AddDocumentForm({ api, pipelines, refresh, onAdded }: { api: LlocoApi; pipelines: PipelineRow[]; refresh: number; onAdded: () => void }) {
  const state = useIndexBindings(api, refresh);
  const indices = state.data?.indices ?? [];
  const [index, setIndex] = usePickedIndex(indices);
  const [id, setId] = useState('');
  const [text, setText] = useState('');
  const add = useSubmit<{ id: string; segments?: number; tokens?: number; model?: string }>(() => {
    setText('');
    setId('');
    onAdded();
  });
  const added = add.done;
  const pipelineId = state.data?.bindings[index]?.defaultPipeline;
  const pipeline = pipelines.find((p) => p.id === pipelineId);
  const field = pipeline?.field ?? 'body';
  return (
    <FormSection
      label="Add a document"
      title="Add a document"
      intro="Indexed through the index's default pipeline, so it is compressed on a lloco node before it is stored."
      onSubmit={() => {
        if (!index || !text.trim()) return;
        const addAndRead = async () => {
          const res = await api.addDocument(index, { [field]: text }, id.trim() || undefined);
          const src = await api.source(index, res._id, pipeline?.target ?? 'lloco');
          const lloco = (src[pipeline?.target ?? 'lloco'] ?? {}) as { segment_count?: number; tokens?: number; model?: string };
          return { id: res._id, segments: lloco.segment_count, tokens: lloco.tokens, model: lloco.model };
        };
        return add.submit(addAndRead, (r) => r);
      }}
    >
      <ErrorBanner error={state.error} context="Listing indices" />
      <ErrorBanner error={add.error} context="Indexing the document" />
      {added && (
        <EuiCallOut color="success" iconType="check" size="s" title={`Document ${added.id} indexed`} role="status" data-test-subj="documentAdded">
          <p>
            {added.segments !== undefined
              ? `Compressed by ${added.model}: ${num(added.tokens)} tokens into ${num(added.segments)} segments.`
              : 'Not compressed: the index has no lloco_compress default pipeline.'}
          </p>
        </EuiCallOut>
      )}
      <EuiFormRow label="Index" helpText={pipelineId ? `default pipeline ${pipelineId}, text field ${field}` : 'no default pipeline: the text is stored uncompressed'}>
        <EuiSelect
          data-test-subj="docIndex"
          options={indices.map((i) => ({ value: i.index, text: i.index }))}
          value={index}
          onChange={(e) => setIndex(e.target.value)}
          hasNoInitialSelection={!index}
        />
      </EuiFormRow>
      <EuiFormRow label="Document id" helpText="empty: generated">
        <EuiFieldText data-test-subj="docId" value={id} onChange={(e) => setId(e.target.value)} />
      </EuiFormRow>
      <EuiFormRow label={`Text (${field})`} fullWidth>
        <EuiTextArea data-test-subj="docText" fullWidth rows={6} value={text} onChange={(e) => setText(e.target.value)} />
      </EuiFormRow>
      <EuiSpacer size="s" />
      <EuiButton type="submit" fill isDisabled={!index || !text.trim() || add.busy} isLoading={add.busy} data-test-subj="addDocument">
        {add.busy ? 'Compressing…' : 'Add document'}
      </EuiButton>
    </FormSection>
  );
}
