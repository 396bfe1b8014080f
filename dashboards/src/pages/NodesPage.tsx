/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import React from 'react';
import {
  EuiBadge,
  EuiBasicTable,
  EuiButtonEmpty,
  EuiCallOut,
  EuiFlexGroup,
  EuiFlexItem,
  EuiPanel,
  EuiSpacer,
  EuiText,
  EuiTitle,
} from '@elastic/eui';
import { LlocoApi, LlocoNodeInfo, ModelState, ModelsByNode, ThreadPoolStats } from '../api';
import { Busy, ErrorBanner, NotAvailable, useLoad } from '../components/common';
import { bytes, count, num } from '../format';

interface NodeRow {
  id: string;
  info: LlocoNodeInfo;
  models: ModelState[] | undefined;
  pools: Record<string, ThreadPoolStats>;
}

/** The cluster's nodes: lloco role, engine and devices, dtype, loaded models and adapters, queue depth. */
export function NodesPage({ api }: { api: LlocoApi }) {
  const state = useLoad(async () => {
    const [nodes, models, pools] = await Promise.all([api.nodes(), api.models(), api.threadPools().catch(() => ({}))]);
    return { nodes, models, pools: pools as Record<string, Record<string, ThreadPoolStats>> };
  }, [api]);
  const d = state.data;
  const rows: NodeRow[] = d
    ? Object.entries(d.nodes.nodes ?? {})
        .map(([id, info]) => ({ id, info, models: modelsOf(d.models, id), pools: d.pools[id] ?? {} }))
        .sort((a, b) => Number(b.info.lloco_role) - Number(a.info.lloco_role) || (a.info.name ?? '').localeCompare(b.info.name ?? ''))
    : [];
  const failures = d?.nodes._nodes?.failed ?? 0;
  return (
    <div data-test-subj="nodesPage">
      <EuiFlexGroup justifyContent="spaceBetween" alignItems="center" responsive={false}>
        <EuiFlexItem grow={false}>
          <EuiText size="s">
            <p>
              {d ? `${rows.length} node(s) in ${d.nodes.cluster_name ?? 'the cluster'}, ${rows.filter((r) => r.info.lloco_role).length} with the lloco role` : ''}
            </p>
          </EuiText>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiButtonEmpty iconType="refresh" onClick={() => void state.reload()} isLoading={state.loading} data-test-subj="nodesRefresh">
            Refresh
          </EuiButtonEmpty>
        </EuiFlexItem>
      </EuiFlexGroup>
      {state.loading && !d && <Busy label="Asking every node…" />}
      <ErrorBanner error={state.error} context="Reading nodes" />
      {failures > 0 && (
        <EuiCallOut color="warning" size="s" iconType="alert" title={`${failures} node(s) did not answer`}>
          <pre>{JSON.stringify(d?.nodes._nodes?.failures ?? [], null, 1)}</pre>
        </EuiCallOut>
      )}
      {d && d.models === null && (
        <NotAvailable api="the models API (/_plugins/lloco/models)">
          <p>Model state, dtype, device and fingerprint per node need it; the loaded models below come from /_plugins/lloco/_nodes.</p>
        </NotAvailable>
      )}
      {rows.map((r) => (
        <NodePanel key={r.id} row={r} />
      ))}
    </div>
  );
}

function modelsOf(models: ModelsByNode | null | undefined, id: string): ModelState[] | undefined {
  if (!models) return undefined;
  return models[id]?.models ?? (Object.keys(models).length === 1 && models[''] ? models[''].models : undefined);
}

function NodePanel({ row }: { row: NodeRow }) {
  const { info, models, pools } = row;
  const e = info.engine ?? {};
  const loaded = info.models ?? [];
  const adapters = info.adapters ?? [];
  const dtypes = Array.from(new Set((models ?? []).map((m) => m.dtype).filter((x): x is string => typeof x === 'string')));
  return (
    <>
      <EuiSpacer size="m" />
      <EuiPanel paddingSize="m" data-test-subj="nodePanel" aria-label={`Node ${info.name ?? row.id}`}>
        <EuiFlexGroup gutterSize="s" alignItems="center" wrap responsive={false}>
          <EuiFlexItem grow={false}>
            <EuiTitle size="xs">
              <h2 data-test-subj="nodeName">{info.name ?? row.id}</h2>
            </EuiTitle>
          </EuiFlexItem>
          {info.lloco_role && (
            <EuiFlexItem grow={false}>
              <EuiBadge color="primary">lloco</EuiBadge>
            </EuiFlexItem>
          )}
          {(info.roles ?? [])
            .filter((x) => x !== 'lloco')
            .map((role) => (
              <EuiFlexItem grow={false} key={role}>
                <EuiBadge color="hollow">{role}</EuiBadge>
              </EuiFlexItem>
            ))}
        </EuiFlexGroup>
        <EuiSpacer size="s" />
        <EuiFlexGroup gutterSize="l" wrap>
          <EuiFlexItem grow={false} style={{ minWidth: 220 }}>
            <Facts
              label="Engine"
              items={[
                ['status', <span data-test-subj="engineStatus">{e.status ?? '—'}</span>],
                ['devices', (e.devices ?? []).join(', ') || '—'],
                ['dtype', dtypes.join(', ') || '—'],
                ['threads', num(e.num_threads)],
                ['PyTorch', e.pytorch_version ?? '—'],
                ['DJL', e.djl_version ?? '—'],
                ['plugin', info.plugin?.version ?? '—'],
              ]}
            />
          </EuiFlexItem>
          <EuiFlexItem grow={false} style={{ minWidth: 220 }}>
            <Facts
              label="Queues"
              items={Object.entries(pools).map(([name, p]) => [
                name,
                <span data-test-subj={`pool-${name}`}>
                  {num(p.active)} active · {num(p.queue)} queued · {num(p.rejected)} rejected
                </span>,
              ])}
              empty="no lloco thread pool reported"
            />
          </EuiFlexItem>
        </EuiFlexGroup>
        {e.error && (
          <EuiCallOut color="danger" size="s" iconType="alert" title="Engine failed">
            <p>{e.error}</p>
          </EuiCallOut>
        )}
        {e.reason && (
          <EuiCallOut color="warning" size="s" iconType="help" title={`Engine ${e.status ?? ''}`}>
            <p>{e.reason}</p>
          </EuiCallOut>
        )}
        <EuiSpacer size="s" />
        {models ? (
          <EuiBasicTable
            aria-label={`Models on ${info.name}`}
            data-test-subj="modelsTable"
            items={models}
            noItemsMessage="No model loaded"
            columns={[
              { field: 'id', name: 'Model' },
              { field: 'state', name: 'State', render: (v: unknown) => <StateBadge state={v} /> },
              { field: 'dtype', name: 'dtype', render: (v: unknown) => str(v) },
              { field: 'device', name: 'Device', render: (v: unknown) => str(v) },
              { field: 'parameters', name: 'Parameters', render: (v: unknown) => count(v) },
              { field: 'bytes', name: 'Memory', render: (v: unknown) => bytes(v) },
              { field: 'fingerprint', name: 'Fingerprint', render: (v: unknown) => <code>{str(v)}</code> },
              { field: 'adapters', name: 'Adapters', render: (v: unknown) => (Array.isArray(v) && v.length ? v.map(adapterName).join(', ') : '—') },
            ]}
          />
        ) : (
          <EuiBasicTable
            aria-label={`Loaded models and adapters on ${info.name}`}
            data-test-subj="loadedTable"
            items={[...loaded.map((m) => ({ ...m, what: 'model' })), ...adapters.map((a) => ({ ...a, what: 'adapter' }))]}
            noItemsMessage="Nothing loaded yet (models load on first use)"
            columns={[
              { field: 'what', name: 'Kind' },
              { field: 'id', name: 'Id', render: (v: unknown) => str(v) },
              { field: 'parameters', name: 'Parameters', render: (v: unknown) => count(v) },
              { field: 'bytes', name: 'Memory', render: (v: unknown) => bytes(v) },
              { field: 'path', name: 'Path', render: (v: unknown) => <code>{str(v)}</code> },
            ]}
          />
        )}
      </EuiPanel>
    </>
  );
}

function Facts({ label, items, empty }: { label: string; items: Array<[string, React.ReactNode]>; empty?: string }) {
  return (
    <div>
      <EuiTitle size="xxs">
        <h3>{label}</h3>
      </EuiTitle>
      {items.length === 0 ? (
        <EuiText size="xs" color="subdued">
          <p>{empty}</p>
        </EuiText>
      ) : (
        <dl style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 12, rowGap: 2, margin: 0, fontSize: 14 }}>
          {items.map(([k, v]) => (
            <React.Fragment key={k}>
              <dt style={{ fontWeight: 600 }}>{k}</dt>
              <dd style={{ margin: 0 }}>{v}</dd>
            </React.Fragment>
          ))}
        </dl>
      )}
    </div>
  );
}

function StateBadge({ state }: { state: unknown }) {
  const s = typeof state === 'string' ? state : '—';
  const color = s === 'loaded' ? 'secondary' : s === 'failed' ? 'danger' : s === 'loading' ? 'warning' : 'hollow';
  return <EuiBadge color={color}>{s}</EuiBadge>;
}

function str(v: unknown): string {
  return v === undefined || v === null || v === '' ? '—' : String(v);
}

function adapterName(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object') {
    const o = a as { name?: unknown; id?: unknown };
    return String(o.name ?? o.id ?? JSON.stringify(a));
  }
  return String(a);
}
