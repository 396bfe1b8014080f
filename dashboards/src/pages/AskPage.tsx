/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import React, { useEffect, useRef, useState } from 'react';
import {
  EuiBadge,
  EuiButton,
  EuiButtonEmpty,
  EuiCallOut,
  EuiDescriptionList,
  EuiFieldNumber,
  EuiFieldText,
  EuiFlexGroup,
  EuiFlexItem,
  EuiForm,
  EuiFormRow,
  EuiPanel,
  EuiSelect,
  EuiSpacer,
  EuiSwitch,
  EuiText,
  EuiTextArea,
  EuiTitle,
} from '@elastic/eui';
import { LlocoApi, QaMode, QaRequest, QaResponse, QaSource } from '../api';
import { Busy, ErrorBanner, Section, useLoad, usePickedIndex } from '../components/common';
import { bytes, ms, num, ratio } from '../format';
import { excerpts, valueAt } from '../highlight';

const MODE_LABEL: Record<QaMode, string> = {
  lloco: 'LLoCO: compressed summaries',
  full_context: 'Full context: the same text in the prompt',
  no_context: 'No context',
};

interface Run {
  loading: boolean;
  result?: QaResponse;
  error?: unknown;
}

/** Ask a question over an index; see the answer, its sources with the used segments highlighted, usage and timings. */
export function AskPage({ api }: { api: LlocoApi }) {
  const indices = useLoad(() => api.indices(), [api]);
  const [index, setIndex] = usePickedIndex(indices.data);
  const [question, setQuestion] = useState('');
  // number fields keep what is typed (an empty field while editing); values are clamped when asking
  const [size, setSize] = useState('1');
  const [granularity, setGranularity] = useState<'document' | 'segment'>('segment');
  const [topSegments, setTopSegments] = useState('1');
  const [candidates, setCandidates] = useState('1');
  const [beams, setBeams] = useState('1');
  const [maxNewTokens, setMaxNewTokens] = useState('32');
  const [adapter, setAdapter] = useState('');
  const [compare, setCompare] = useState(false);
  const [runs, setRuns] = useState<Partial<Record<QaMode, Run>>>({});
  const [asked, setAsked] = useState<{ index: string; question: string } | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const loading = Object.values(runs).some((r) => r?.loading);
  const canAsk = index !== '' && question.trim() !== '' && !loading;

  const ask = async () => {
    if (!canAsk) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const n = { size: clampInt(size, 1, 100, 1), top: clampInt(topSegments, 1, 100, 1), candidates: clampInt(candidates, 1, 16, 1), beams: clampInt(beams, 1, 8, 1) };
    const body: QaRequest = { question: question.trim(), size: n.size, granularity, max_new_tokens: clampInt(maxNewTokens, 1, 1024, 32) };
    if (granularity === 'segment') {
      body.top_segments = n.top;
      if (n.candidates > 1) body.answer_candidates = n.candidates;
    }
    if (adapter.trim()) body.adapter = adapter.trim();
    const modes: QaMode[] = compare ? ['lloco', 'full_context'] : ['lloco'];
    setAsked({ index, question: body.question });
    setRuns(Object.fromEntries(modes.map((m) => [m, { loading: true }])));
    await Promise.all(
      modes.map(async (mode) => {
        try {
          // a beam search checks several answers per segment; the cluster allows it in lloco mode only
          const withBeams = mode === 'lloco' && granularity === 'segment' && n.beams > 1 ? { answer_beams: n.beams } : {};
          const result = await api.qa(index, { ...body, ...withBeams, mode }, controller.signal);
          if (!controller.signal.aborted) setRuns((r) => ({ ...r, [mode]: { loading: false, result } }));
        } catch (error) {
          if (!controller.signal.aborted) setRuns((r) => ({ ...r, [mode]: { loading: false, error } }));
        }
      })
    );
  };

  const cancel = () => {
    abort.current?.abort();
    setRuns((r) => Object.fromEntries(Object.entries(r).map(([m, run]) => [m, run?.loading ? { loading: false, error: new Error('cancelled') } : run])));
  };

  const lloco = runs.lloco?.result;
  const full = runs.full_context?.result;
  const sources = (lloco ?? full)?.sources ?? [];

  return (
    <div data-test-subj="askPage">
      <EuiPanel paddingSize="m">
        <EuiForm
          component="form"
          aria-label="Ask a question"
          onSubmit={(e: React.FormEvent) => {
            e.preventDefault();
            void ask();
          }}
        >
          <ErrorBanner error={indices.error} context="Listing indices" />
          <EuiFlexGroup gutterSize="m" wrap>
            <EuiFlexItem grow={1} style={{ minWidth: 200 }}>
              <EuiFormRow label="Index" helpText="Documents compressed by a lloco_compress pipeline">
                <EuiSelect
                  data-test-subj="askIndex"
                  options={(indices.data ?? []).map((i) => ({ value: i.index, text: i.index }))}
                  value={index}
                  onChange={(e) => setIndex(e.target.value)}
                  hasNoInitialSelection={!index}
                  isLoading={indices.loading}
                />
              </EuiFormRow>
            </EuiFlexItem>
            <EuiFlexItem grow={3} style={{ minWidth: 300 }}>
              <EuiFormRow label="Question" helpText="Ctrl+Enter asks" fullWidth>
                <EuiTextArea
                  data-test-subj="askQuestion"
                  rows={2}
                  fullWidth
                  value={question}
                  onChange={(e) => setQuestion(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                      e.preventDefault();
                      void ask();
                    }
                  }}
                />
              </EuiFormRow>
            </EuiFlexItem>
          </EuiFlexGroup>
          <EuiFlexGroup gutterSize="m" wrap alignItems="flexEnd">
            <EuiFlexItem grow={false}>
              <EuiFormRow label="Documents" helpText="size">
                <EuiFieldNumber min={1} max={100} value={size} onChange={(e) => setSize(e.target.value)} compressed />
              </EuiFormRow>
            </EuiFlexItem>
            <EuiFlexItem grow={false}>
              <EuiFormRow label="Granularity">
                <EuiSelect
                  options={[
                    { value: 'segment', text: 'best segments' },
                    { value: 'document', text: 'whole documents' },
                  ]}
                  value={granularity}
                  onChange={(e) => setGranularity(e.target.value as 'document' | 'segment')}
                  compressed
                />
              </EuiFormRow>
            </EuiFlexItem>
            {granularity === 'segment' && (
              <EuiFlexItem grow={false}>
                <EuiFormRow label="Segments per document" helpText="top_segments">
                  <EuiFieldNumber min={1} max={100} value={topSegments} onChange={(e) => setTopSegments(e.target.value)} compressed />
                </EuiFormRow>
              </EuiFlexItem>
            )}
            {granularity === 'segment' && (
              <EuiFlexItem grow={false}>
                <EuiFormRow label="Answer candidates" helpText="segments read alone">
                  <EuiFieldNumber min={1} max={16} value={candidates} onChange={(e) => setCandidates(e.target.value)} compressed />
                </EuiFormRow>
              </EuiFlexItem>
            )}
            {granularity === 'segment' && (
              <EuiFlexItem grow={false}>
                <EuiFormRow label="Beams" helpText="answers per segment">
                  <EuiFieldNumber min={1} max={8} value={beams} onChange={(e) => setBeams(e.target.value)} compressed />
                </EuiFormRow>
              </EuiFlexItem>
            )}
            <EuiFlexItem grow={false}>
              <EuiFormRow label="Longest answer" helpText="max_new_tokens">
                <EuiFieldNumber min={1} max={1024} value={maxNewTokens} onChange={(e) => setMaxNewTokens(e.target.value)} compressed />
              </EuiFormRow>
            </EuiFlexItem>
            <EuiFlexItem grow={false}>
              <EuiFormRow label="Adapter" helpText="empty: the index's">
                <EuiFieldText value={adapter} onChange={(e) => setAdapter(e.target.value)} compressed placeholder="index.lloco.adapter" />
              </EuiFormRow>
            </EuiFlexItem>
            <EuiFlexItem grow={false}>
              <EuiFormRow hasEmptyLabelSpace>
                <EuiSwitch
                  data-test-subj="askCompare"
                  label="Compare with full_context"
                  checked={compare}
                  onChange={(e) => setCompare(e.target.checked)}
                />
              </EuiFormRow>
            </EuiFlexItem>
            <EuiFlexItem grow={false}>
              <EuiFormRow hasEmptyLabelSpace>
                <EuiFlexGroup gutterSize="s" responsive={false}>
                  <EuiFlexItem grow={false}>
                    <EuiButton type="submit" fill isDisabled={!canAsk} isLoading={loading} data-test-subj="askSubmit">
                      {loading ? 'Asking…' : 'Ask'}
                    </EuiButton>
                  </EuiFlexItem>
                  {loading && (
                    <EuiFlexItem grow={false}>
                      <EuiButtonEmpty onClick={cancel} data-test-subj="askCancel">
                        Cancel
                      </EuiButtonEmpty>
                    </EuiFlexItem>
                  )}
                </EuiFlexGroup>
              </EuiFormRow>
            </EuiFlexItem>
          </EuiFlexGroup>
        </EuiForm>
      </EuiPanel>
      <EuiSpacer size="m" />
      {asked && (
        <section aria-label="Answers">
          <EuiFlexGroup gutterSize="m" wrap>
            {(Object.keys(runs) as QaMode[]).map((mode) => (
              <EuiFlexItem key={mode} style={{ minWidth: 320 }}>
                <ResultPanel mode={mode} run={runs[mode]!} />
              </EuiFlexItem>
            ))}
          </EuiFlexGroup>
          {lloco && full && <Comparison lloco={lloco} full={full} />}
          {sources.length > 0 && (
            <>
              <EuiSpacer size="m" />
              <SourcesPanel api={api} sources={sources} />
            </>
          )}
        </section>
      )}
    </div>
  );
}

function clampInt(v: string, lo: number, hi: number, dflt: number): number {
  const n = parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : dflt;
}

function ResultPanel({ mode, run }: { mode: QaMode; run: Run }) {
  const r = run.result;
  const u = r?.usage ?? {};
  const t = r?.timings ?? {};
  const truncated = Array.isArray(u.truncated_segments) ? u.truncated_segments.length : u.truncated_segments;
  const usage = [
    { title: 'Compression ratio', description: ratio(u.compression_ratio) },
    { title: 'Decoder positions', description: `${num(u.decoder_positions)} (full context: ${num(u.full_context_tokens)} tokens + prompt)` },
    { title: 'Summary positions', description: num(u.summary_positions) },
    { title: 'Prompt / generated tokens', description: `${num(u.prompt_tokens)} / ${num(u.generated_tokens)}` },
  ];
  if (u.context_tokens) usage.push({ title: 'Context tokens', description: num(u.context_tokens) });
  if (u.source_bytes_fetched !== undefined) usage.push({ title: 'Source bytes fetched', description: bytes(u.source_bytes_fetched) });
  if (u.summary_bytes_read !== undefined) usage.push({ title: 'Summary bytes read', description: bytes(u.summary_bytes_read) });
  if (truncated !== undefined) usage.push({ title: 'Truncated segments', description: num(truncated) });
  if (typeof u.truncated_tokens === 'number') usage.push({ title: 'Truncated tokens', description: num(u.truncated_tokens) });
  if (u.batch_size !== undefined) usage.push({ title: 'Batch size', description: num(u.batch_size) });
  return (
    <Section title={MODE_LABEL[mode]} testSubj={`answer-${mode}`}>
      {run.loading && <Busy label={mode === 'lloco' ? 'Retrieving and decoding on a lloco node…' : 'Decoding with the text in the prompt…'} />}
      <ErrorBanner error={run.error} context={`_lloco_qa (${mode})`} />
      {r && (
        <>
          <div aria-live="polite">
            <EuiText size="m">
              <p>
                <strong>Answer: </strong>
                <span data-test-subj="answerText">{r.answer?.trim() ? r.answer : <em>(empty answer)</em>}</span>
              </p>
            </EuiText>
          </div>
          <EuiSpacer size="s" />
          <EuiFlexGroup gutterSize="xs" wrap responsive={false}>
            {r.model && <EuiFlexItem grow={false}><EuiBadge color="hollow">model {r.model}</EuiBadge></EuiFlexItem>}
            <EuiFlexItem grow={false}><EuiBadge color="hollow">adapter {r.adapter ?? 'none'}</EuiBadge></EuiFlexItem>
            {r.node && <EuiFlexItem grow={false}><EuiBadge color="hollow">node {r.node}</EuiBadge></EuiFlexItem>}
            {r.finish_reason && <EuiFlexItem grow={false}><EuiBadge color="hollow">{r.finish_reason}</EuiBadge></EuiFlexItem>}
          </EuiFlexGroup>
          {r.candidates && r.candidates.length > 0 && (
            <>
              <EuiSpacer size="s" />
              <EuiText size="xs" data-test-subj="qaCandidates">
                <p>
                  <strong>Segments read alone: </strong>
                  {r.candidates.map((c, i) => (
                    <span key={i}>
                      {i > 0 ? ' · ' : ''}
                      {c._id}#{c.ord} → “{c.answer}”{typeof c.support === 'number' ? ` (support ${c.support.toFixed(2)})` : ' (not stated)'}
                      {c.chosen ? ' ✓' : ''}
                    </span>
                  ))}
                </p>
              </EuiText>
            </>
          )}
          {r.warnings && r.warnings.length > 0 && (
            <>
              <EuiSpacer size="s" />
              <EuiCallOut color="warning" iconType="alert" title="Warnings" size="s" data-test-subj="qaWarnings">
                <ul>
                  {r.warnings.map((w, i) => (
                    <li key={i}>{w}</li>
                  ))}
                </ul>
              </EuiCallOut>
            </>
          )}
          <EuiSpacer size="s" />
          <EuiFlexGroup gutterSize="m" wrap>
            <EuiFlexItem style={{ minWidth: 220 }}>
              <EuiTitle size="xxs"><h3>Usage</h3></EuiTitle>
              <EuiDescriptionList compressed type="column" listItems={usage} data-test-subj="qaUsage" />
            </EuiFlexItem>
            <EuiFlexItem style={{ minWidth: 160 }}>
              <EuiTitle size="xxs"><h3>Timings</h3></EuiTitle>
              <EuiDescriptionList
                compressed
                type="column"
                data-test-subj="qaTimings"
                listItems={Object.entries(t).map(([k, v]) => ({ title: k.replace(/_ms$/, ''), description: ms(v) }))}
              />
            </EuiFlexItem>
          </EuiFlexGroup>
        </>
      )}
    </Section>
  );
}

function Comparison({ lloco, full }: { lloco: QaResponse; full: QaResponse }) {
  const a = lloco.usage?.decoder_positions;
  const b = full.usage?.decoder_positions;
  const ta = lloco.timings?.total_ms;
  const tb = full.timings?.total_ms;
  return (
    <>
      <EuiSpacer size="s" />
      <EuiCallOut color="primary" iconType="visBarHorizontal" size="s" title="Side by side" data-test-subj="qaComparison">
        <p>
          Decoder positions: LLoCO {num(a)}, full context {num(b)}
          {typeof a === 'number' && typeof b === 'number' && a > 0 ? ` (${(b / a).toFixed(1)}× fewer with LLoCO)` : ''}. Total time: {ms(ta)} vs {ms(tb)}. Same answer:{' '}
          {lloco.answer.trim() === full.answer.trim() ? 'yes' : 'no'}.
        </p>
      </EuiCallOut>
    </>
  );
}

interface SourceText {
  loading: boolean;
  text?: string;
  field?: string;
  error?: unknown;
}

function SourcesPanel({ api, sources }: { api: LlocoApi; sources: QaSource[] }) {
  const [texts, setTexts] = useState<Record<string, SourceText>>({});
  const [whole, setWhole] = useState<Record<string, boolean>>({});
  const shown = sources.slice(0, 10);
  useEffect(() => {
    let live = true;
    setTexts(Object.fromEntries(shown.map((s) => [key(s), { loading: true }])));
    for (const s of shown) {
      api
        .source(s._index, s._id)
        .then((src) => {
          const field = valueAt(src, 'lloco.source_field');
          const text = typeof field === 'string' ? valueAt(src, field) : undefined;
          if (live)
            setTexts((t) => ({
              ...t,
              [key(s)]: typeof text === 'string' ? { loading: false, text, field: field as string } : { loading: false, error: new Error('the source text is not in this document any more') },
            }));
        })
        .catch((error) => live && setTexts((t) => ({ ...t, [key(s)]: { loading: false, error } })));
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, sources]);
  return (
    <EuiPanel paddingSize="m" data-test-subj="qaSources">
      <EuiTitle size="xs">
        <h2>Sources ({sources.length})</h2>
      </EuiTitle>
      <EuiText size="xs" color="subdued">
        <p>The segments the decoder read, highlighted in the documents' text.</p>
      </EuiText>
      {shown.map((s) => {
        const st = texts[key(s)];
        const k = key(s);
        return (
          <article key={k} aria-label={`Source ${s._id}`} data-test-subj="qaSource">
            <EuiSpacer size="m" />
            <EuiFlexGroup gutterSize="s" alignItems="center" wrap responsive={false}>
              <EuiFlexItem grow={false}>
                <EuiTitle size="xxs">
                  <h3>
                    {s._index}/{s._id}
                  </h3>
                </EuiTitle>
              </EuiFlexItem>
              <EuiFlexItem grow={false}>
                <EuiText size="xs" color="subdued">
                  score {typeof s._score === 'number' ? s._score.toFixed(2) : '—'} · {num(s.tokens)} tokens · segments {(s.segments ?? []).map((g) => g.ord).join(', ') || '—'}
                </EuiText>
              </EuiFlexItem>
              {st?.text !== undefined && (
                <EuiFlexItem grow={false}>
                  <EuiButtonEmpty size="xs" onClick={() => setWhole((w) => ({ ...w, [k]: !w[k] }))} aria-expanded={!!whole[k]}>
                    {whole[k] ? 'Show excerpts' : 'Show the whole text'}
                  </EuiButtonEmpty>
                </EuiFlexItem>
              )}
            </EuiFlexGroup>
            {st?.loading && <Busy label="Loading the text…" />}
            <ErrorBanner error={st?.error} context={`Reading ${s._id}`} />
            {st?.text !== undefined && (
              <EuiText size="s">
                <p style={{ whiteSpace: 'pre-wrap' }}>
                  {excerpts(st.text, s.segments ?? [], whole[k] ? Infinity : 160).map((p, i) =>
                    p.kind === 'gap' ? (
                      <span key={i} aria-label="text left out">
                        {' … '}
                      </span>
                    ) : p.kind === 'mark' ? (
                      <React.Fragment key={i}>
                        {/* a segment often starts with the line break after the previous one: keep it outside the mark */}
                        {leadingSpace(p.text)}
                        <mark data-test-subj="segmentMark" title={`segment ${p.ord}`}>
                          <sup aria-label={`segment ${p.ord}`}>§{p.ord} </sup>
                          {p.text.slice(leadingSpace(p.text).length)}
                        </mark>
                      </React.Fragment>
                    ) : (
                      <span key={i}>{p.text}</span>
                    )
                  )}
                </p>
              </EuiText>
            )}
          </article>
        );
      })}
    </EuiPanel>
  );
}

function leadingSpace(text: string): string {
  return /^\s*/.exec(text)![0];
}

function key(s: QaSource): string {
  return `${s._index}\u0000${s._id}`;
}
