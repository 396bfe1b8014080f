/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { HttpAdapter, HttpError, seg } from './http';

/** The calls the pages make, each one REST request (documented in docs/api.md, docs/qa.md, docs/ingest.md). */

export interface IndexRow {
  index: string;
  health?: string;
  'docs.count'?: string;
}

export interface QaSegment {
  ord: number;
  start: number;
  end: number;
}

export interface QaSource {
  _index: string;
  _id: string;
  _score?: number | null;
  tokens?: number;
  segments?: QaSegment[];
}

export interface QaUsage {
  summary_positions?: number;
  context_tokens?: number;
  prompt_tokens?: number;
  generated_tokens?: number;
  decoder_positions?: number;
  full_context_tokens?: number;
  compression_ratio?: number | null;
  batch_size?: number;
  source_bytes_fetched?: number;
  summary_bytes_read?: number;
  truncated_segments?: number | unknown[];
  truncated_tokens?: number;
  [k: string]: unknown;
}

export interface QaResponse {
  answer: string;
  mode?: string;
  model?: string;
  adapter?: string | null;
  node?: string;
  finish_reason?: string;
  sources?: QaSource[];
  usage?: QaUsage;
  timings?: Record<string, number>;
  warnings?: string[];
  candidates?: Array<{ _index?: string; _id?: string; ord?: number; answer?: string; support?: number | null; chosen?: boolean }>;
}

export type QaMode = 'lloco' | 'full_context' | 'no_context';

export interface QaRequest {
  question: string;
  size?: number;
  granularity?: 'document' | 'segment';
  top_segments?: number;
  answer_candidates?: number;
  answer_beams?: number;
  max_new_tokens?: number;
  adapter?: string;
  mode?: QaMode;
}

export interface Processor {
  [type: string]: Record<string, unknown>;
}

export interface Pipeline {
  description?: string;
  processors?: Processor[];
}

/** The lloco_compress processor of a pipeline, or undefined. */
export function compressProcessor(p: Pipeline | undefined): Record<string, unknown> | undefined {
  return p?.processors?.find((proc) => proc && typeof proc === 'object' && 'lloco_compress' in proc)?.lloco_compress;
}

export interface LlocoNodeInfo {
  name?: string;
  node_id?: string;
  roles?: string[];
  lloco_role?: boolean;
  opensearch_version?: string;
  plugin?: { name?: string; version?: string };
  engine?: {
    status?: string;
    devices?: string[];
    num_threads?: number;
    pytorch_version?: string;
    djl_version?: string;
    error?: string;
    reason?: string;
    [k: string]: unknown;
  };
  models?: Array<Record<string, unknown>>;
  adapters?: Array<Record<string, unknown>>;
}

export interface NodesInfo {
  _nodes?: { total?: number; successful?: number; failed?: number; failures?: unknown[] };
  cluster_name?: string;
  nodes: Record<string, LlocoNodeInfo>;
}

/** One model as the models API reports it; unknown extra fields are kept and shown. */
export interface ModelState {
  id?: string;
  state?: string;
  bytes?: number;
  dtype?: string;
  device?: string;
  parameters?: number;
  fingerprint?: string;
  adapters?: unknown[];
  [k: string]: unknown;
}

/** Per node id: its name and models (GET /_plugins/lloco/models). */
export type ModelsByNode = Record<string, { name?: string; models: ModelState[] }>;

export interface ThreadPoolStats {
  threads?: number;
  queue?: number;
  active?: number;
  rejected?: number;
  completed?: number;
}

export interface Adapter {
  name: string;
  version?: string | number;
  base_model?: string;
  fingerprint?: string;
  r?: number;
  alpha?: number;
  target_modules?: string[];
  template?: string;
  size_bytes?: number;
  created?: string | number;
  eval?: Record<string, unknown>;
  bound_indices?: string[];
  [k: string]: unknown;
}

export interface TaskStatus {
  step?: number;
  total_steps?: number;
  loss?: number;
  tokens_per_second?: number;
  eta_ms?: number;
  [k: string]: unknown;
}

export interface TaskInfo {
  completed: boolean;
  status?: TaskStatus;
  cancelled?: boolean;
  error?: unknown;
  response?: unknown;
  description?: string;
}

/** Index settings the pages read: the attached ingest pipeline and the bound adapter. */
export interface IndexBindings {
  defaultPipeline?: string;
  adapter?: string;
}

/** Index names, aliases and the like: a pattern that never starts with '_' or '.'. */
export function isUserIndex(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('_');
}

export class LlocoApi {
  constructor(readonly http: HttpAdapter) {}

  /** Info of every node: engine, devices, roles, loaded models and adapters. */
  nodes(): Promise<NodesInfo> {
    return this.http.request<NodesInfo>({ method: 'GET', path: '/_plugins/lloco/_nodes' });
  }

  /** The models API, or null on a cluster that does not have it. */
  async models(): Promise<ModelsByNode | null> {
    const r = await orNull(this.http.request<unknown>({ method: 'GET', path: '/_plugins/lloco/models' }));
    return r === null ? null : normalizeModels(r);
  }

  /** Thread pool stats of the plugin's pools (queue depth), per node id. */
  async threadPools(): Promise<Record<string, Record<string, ThreadPoolStats>>> {
    const r = await this.http.request<{ nodes?: Record<string, { thread_pool?: Record<string, ThreadPoolStats> }> }>({
      method: 'GET',
      path: '/_nodes/stats/thread_pool',
    });
    const out: Record<string, Record<string, ThreadPoolStats>> = {};
    for (const [id, n] of Object.entries(r.nodes ?? {})) {
      const pools = n.thread_pool ?? {};
      out[id] = Object.fromEntries(Object.entries(pools).filter(([name]) => name.startsWith('lloco')));
    }
    return out;
  }

  /** Open indices the user can see, system and hidden ones left out, sorted by name. */
  async indices(): Promise<IndexRow[]> {
    const rows = await this.http.request<IndexRow[]>({
      method: 'GET',
      path: '/_cat/indices',
      query: { format: 'json', h: 'index,health,docs.count', s: 'index' },
    });
    return (Array.isArray(rows) ? rows : []).filter((r) => isUserIndex(r.index));
  }

  /** index.default_pipeline and index.lloco.adapter of every open index that sets them. */
  async bindings(): Promise<Record<string, IndexBindings>> {
    const r = await this.http.request<Record<string, { settings?: { index?: Record<string, unknown> } }>>({
      method: 'GET',
      path: '/_all/_settings/index.default_pipeline,index.lloco.adapter',
    });
    const out: Record<string, IndexBindings> = {};
    for (const [index, v] of Object.entries(r ?? {})) {
      const s = v.settings?.index ?? {};
      const lloco = s.lloco as { adapter?: string } | undefined;
      out[index] = {
        defaultPipeline: typeof s.default_pipeline === 'string' ? s.default_pipeline : undefined,
        adapter: typeof lloco?.adapter === 'string' ? lloco.adapter : undefined,
      };
    }
    return out;
  }

  putIndexSettings(index: string, settings: Record<string, unknown>): Promise<unknown> {
    return this.http.request({ method: 'PUT', path: `/${seg(index)}/_settings`, body: settings });
  }

  createIndex(index: string, body: Record<string, unknown>): Promise<unknown> {
    return this.http.request({ method: 'PUT', path: `/${seg(index)}`, body });
  }

  /** Indexes one document (through the index's default pipeline), visible to search when this returns. */
  addDocument(index: string, source: Record<string, unknown>, id?: string): Promise<{ _id: string; result?: string }> {
    return this.http.request({
      method: id ? 'PUT' : 'POST',
      path: id ? `/${seg(index)}/_doc/${seg(id)}` : `/${seg(index)}/_doc`,
      query: { refresh: 'wait_for' },
      body: source,
    });
  }

  /** A document's _source without the bulky compressed segments of target field {@code target}. */
  async source(index: string, id: string, target = 'lloco'): Promise<Record<string, unknown>> {
    const r = await this.http.request<{ _source?: Record<string, unknown> }>({
      method: 'GET',
      path: `/${seg(index)}/_doc/${seg(id)}`,
      query: { _source_excludes: `${target}.segments` },
    });
    return r._source ?? {};
  }

  count(index: string, query?: Record<string, unknown>): Promise<number> {
    return this.http
      .request<{ count: number }>({ method: 'POST', path: `/${seg(index)}/_count`, body: query ? { query } : undefined })
      .then((r) => r.count);
  }

  search<T = unknown>(index: string, body: Record<string, unknown>): Promise<T> {
    return this.http.request<T>({ method: 'POST', path: `/${seg(index)}/_search`, body });
  }

  qa(index: string, body: QaRequest, signal?: AbortSignal): Promise<QaResponse> {
    return this.http.request<QaResponse>({ method: 'POST', path: `/${seg(index)}/_lloco_qa`, body }, signal);
  }

  /** Every ingest pipeline ({} when there are none: OpenSearch answers 404). */
  async pipelines(): Promise<Record<string, Pipeline>> {
    try {
      return await this.http.request<Record<string, Pipeline>>({ method: 'GET', path: '/_ingest/pipeline' });
    } catch (e) {
      if (e instanceof HttpError && e.status === 404 && !e.noHandler) {
        return {};
      }
      throw e;
    }
  }

  putPipeline(id: string, body: Pipeline): Promise<unknown> {
    return this.http.request({ method: 'PUT', path: `/_ingest/pipeline/${seg(id)}`, body });
  }

  deletePipeline(id: string): Promise<unknown> {
    return this.http.request({ method: 'DELETE', path: `/_ingest/pipeline/${seg(id)}` });
  }

  /** Runs a pipeline on documents without indexing them. */
  simulate(id: string, sources: Array<Record<string, unknown>>): Promise<{ docs: Array<{ doc?: { _source?: Record<string, unknown> }; error?: unknown }> }> {
    return this.http.request({
      method: 'POST',
      path: `/_ingest/pipeline/${seg(id)}/_simulate`,
      body: { docs: sources.map((s) => ({ _source: s })) },
    });
  }

  /** The adapters API, or null on a cluster that does not have it. */
  async adapters(): Promise<Adapter[] | null> {
    const r = await orNull(this.http.request<{ adapters?: Adapter[] }>({ method: 'GET', path: '/_plugins/lloco/adapters' }));
    if (r === null) {
      return null;
    }
    return Array.isArray(r.adapters) ? r.adapters.filter((a) => a && typeof a.name === 'string') : [];
  }

  putAdapter(name: string, body: Record<string, unknown>): Promise<unknown> {
    return this.http.request({ method: 'PUT', path: `/_plugins/lloco/adapters/${seg(name)}`, body });
  }

  deleteAdapter(name: string): Promise<unknown> {
    return this.http.request({ method: 'DELETE', path: `/_plugins/lloco/adapters/${seg(name)}` });
  }

  train(name: string, body: Record<string, unknown>): Promise<{ task: string }> {
    return this.http.request({ method: 'POST', path: `/_plugins/lloco/adapters/${seg(name)}/_train`, body });
  }

  evaluate(name: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.http.request({ method: 'POST', path: `/_plugins/lloco/adapters/${seg(name)}/_evaluate`, body });
  }

  async task(id: string): Promise<TaskInfo> {
    const r = await this.http.request<{ completed?: boolean; task?: { status?: TaskStatus; cancelled?: boolean; description?: string }; error?: unknown; response?: unknown }>({
      method: 'GET',
      path: `/_tasks/${seg(id)}`,
    });
    return {
      completed: r.completed === true,
      status: r.task?.status,
      cancelled: r.task?.cancelled,
      description: r.task?.description,
      error: r.error,
      response: r.response,
    };
  }

  cancelTask(id: string): Promise<unknown> {
    return this.http.request({ method: 'POST', path: `/_tasks/${seg(id)}/_cancel` });
  }
}

/** null when the endpoint does not exist on this cluster; every other failure propagates. */
export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof HttpError && e.noHandler) {
      return null;
    }
    throw e;
  }
}

/**
 * Accepts the models API's per-node shape ({nodes: {id: {name, models: [...]}}}) and tolerates close variants
 * (a bare array of models, or {models: [...]}).
 */
export function normalizeModels(r: unknown): ModelsByNode {
  const out: ModelsByNode = {};
  if (Array.isArray(r)) {
    out[''] = { models: r.filter(isObject) as ModelState[] };
    return out;
  }
  if (!isObject(r)) {
    return out;
  }
  const obj = r as Record<string, unknown>;
  if (isObject(obj.nodes)) {
    for (const [id, n] of Object.entries(obj.nodes as Record<string, unknown>)) {
      if (!isObject(n)) continue;
      const node = n as { name?: unknown; models?: unknown };
      out[id] = {
        name: typeof node.name === 'string' ? node.name : undefined,
        models: Array.isArray(node.models) ? (node.models.filter(isObject) as ModelState[]) : [],
      };
    }
  } else if (Array.isArray(obj.models)) {
    out[''] = { models: obj.models.filter(isObject) as ModelState[] };
  }
  return out;
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
