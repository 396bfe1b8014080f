/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LlocoApi } from '../src/api';
import { IngestPage } from '../src/pages/IngestPage';
import { HttpRequest } from '../src/http';
import { mockHttp, osError } from './mock_http';
import mapping from '../../docs/lloco-mapping.json';

const CURRENT = 'sha256:aaaa';
const OLD = 'sha256:bbbb';

function cluster(overrides: Record<string, (r: HttpRequest) => unknown> = {}) {
  const pipelines: Record<string, unknown> = {
    compress: { description: 'compress body', processors: [{ lloco_compress: { field: 'body', model: 'lloco-tiny', mode: 'independent', segment_boundary: 'sentence' } }] },
    other: { processors: [{ set: { field: 'x', value: 1 } }] },
  };
  const settings: Record<string, { settings: { index?: Record<string, unknown> } }> = {
    books: { settings: { index: { default_pipeline: 'compress' } } },
    raw: { settings: {} },
  };
  return mockHttp({
    'GET /_ingest/pipeline': () => pipelines,
    'PUT /_ingest/pipeline/fresh': (r) => {
      pipelines.fresh = r.body;
      return { acknowledged: true };
    },
    'DELETE /_ingest/pipeline/compress': () => {
      delete pipelines.compress;
      return { acknowledged: true };
    },
    'GET /_cat/indices': () => [{ index: 'books', 'docs.count': '5' }, { index: 'raw', 'docs.count': '2' }],
    'GET /_all/_settings/index.default_pipeline,index.lloco.adapter': () => settings,
    'POST /books/_count': (r) => ({ count: r.body ? 4 : 5 }),
    'POST /raw/_count': (r) => ({ count: r.body ? 0 : 2 }),
    'PUT /raw/_settings': (r) => {
      settings.raw = { settings: { index: { default_pipeline: (r.body as Record<string, string>)['index.default_pipeline'] } } };
      return { acknowledged: true };
    },
    'POST /_ingest/pipeline/compress/_simulate': () => ({ docs: [{ doc: { _source: { body: 'probe', lloco: { model: 'lloco-tiny', fingerprint: CURRENT } } } }] }),
    'POST /books/_search': () => ({
      hits: { total: { value: 1 }, hits: [{ _id: 'old-1' }] },
      aggregations: { fingerprints: { buckets: [{ key: CURRENT, doc_count: 3 }, { key: OLD, doc_count: 1 }] } },
    }),
    'PUT /novels': () => ({ acknowledged: true }),
    'POST /books/_doc': () => ({ _id: 'gen-1', result: 'created' }),
    'GET /books/_doc/gen-1': () => ({ _source: { lloco: { model: 'lloco-tiny', tokens: 120, segment_count: 3 } } }),
    ...overrides,
  });
}

async function ready() {
  await within(screen.getByTestId('pipelinesTable')).findByText('compress');
}

describe('IngestPage', () => {
  it('lists only lloco_compress pipelines and counts compressed documents per index', async () => {
    render(<IngestPage api={new LlocoApi(cluster())} />);
    await ready();
    const table = screen.getByTestId('pipelinesTable');
    expect(within(table).getByText('lloco-tiny')).toBeInTheDocument();
    expect(within(table).queryByText('other')).toBeNull();
    expect(screen.getByText(/1 other pipeline\(s\) without a lloco_compress processor/)).toBeInTheDocument();
    const indices = screen.getByTestId('indicesTable');
    await waitFor(() => expect(within(indices).getAllByTestId('compressedCount')[0]).toHaveTextContent('4'));
    expect(within(indices).getAllByTestId('compressedCount')[1]).toHaveTextContent('0');
  });

  it('creates a pipeline with the form values', async () => {
    const http = cluster();
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await userEvent.type(screen.getByLabelText('Name'), 'fresh');
    await userEvent.clear(screen.getByLabelText('Text field'));
    await userEvent.type(screen.getByLabelText('Text field'), 'content');
    await userEvent.selectOptions(screen.getByLabelText('Mode'), 'accumulate');
    await userEvent.click(screen.getByRole('button', { name: 'Create pipeline' }));
    expect(await screen.findByText('Pipeline fresh created')).toBeInTheDocument();
    expect(http.callsTo('PUT', '/_ingest/pipeline/fresh')[0].body).toEqual({
      description: 'compress content with lloco-tiny',
      processors: [{ lloco_compress: { field: 'content', model: 'lloco-tiny', mode: 'accumulate', segment_boundary: 'sentence', storage: 'float16', batch_size: 1 } }],
    });
    // the list is read again
    await waitFor(() => expect(http.callsTo('GET', '/_ingest/pipeline').length).toBeGreaterThan(1));
  });

  it('deletes a pipeline only after confirmation', async () => {
    const http = cluster();
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await userEvent.click(within(screen.getByTestId('pipelinesTable')).getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Delete pipeline compress?');
    expect(http.callsTo('DELETE', '/_ingest/pipeline/compress')).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(http.callsTo('DELETE', '/_ingest/pipeline/compress')).toHaveLength(1));
  });

  it('attaches a pipeline to an index as its default pipeline', async () => {
    const http = cluster();
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await userEvent.selectOptions(screen.getByLabelText('Pipeline for raw'), 'compress');
    const row = screen.getByLabelText('Pipeline for raw').closest('tr') as HTMLElement;
    await userEvent.click(within(row).getByRole('button', { name: 'Attach' }));
    await waitFor(() => expect(http.callsTo('PUT', '/raw/_settings')).toHaveLength(1));
    expect(http.callsTo('PUT', '/raw/_settings')[0].body).toEqual({ 'index.default_pipeline': 'compress' });
  });

  it('finds stale documents by the fingerprint the pipeline writes now', async () => {
    const http = cluster();
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await userEvent.click(screen.getByRole('button', { name: 'Check books for stale documents' }));
    const count = await screen.findByText('1', { selector: '[data-test-subj="staleCount"]' });
    expect(count.closest('p')).toHaveTextContent(`lloco-tiny now has fingerprint ${CURRENT}. 1 of 4 compressed documents are stale`);
    expect(screen.getByText(/Stale: old-1/)).toBeInTheDocument();
    expect(screen.getByText(OLD).closest('li')).toHaveTextContent('(stale)');
    const search = http.callsTo('POST', '/books/_search')[0].body as { query: unknown };
    expect(search.query).toEqual({ bool: { filter: [{ exists: { field: 'lloco.fingerprint' } }], must_not: [{ term: { 'lloco.fingerprint': CURRENT } }] } });
  });

  it("creates an index with the plugin's mapping and the chosen default pipeline", async () => {
    const http = cluster();
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await userEvent.type(screen.getByLabelText('Index name'), 'novels');
    await userEvent.selectOptions(screen.getByLabelText('Default pipeline'), 'compress');
    await userEvent.click(screen.getByRole('button', { name: 'Create index' }));
    expect(await screen.findByText('Index novels created')).toBeInTheDocument();
    expect(http.callsTo('PUT', '/novels')[0].body).toEqual({
      settings: { 'index.number_of_replicas': 1, 'index.default_pipeline': 'compress' },
      mappings: mapping.mappings,
    });
  });

  it('adds a document through the default pipeline and reports how it was compressed', async () => {
    const http = cluster();
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await waitFor(() => expect((screen.getByLabelText('Index', { selector: 'select' }) as HTMLSelectElement).value).toBe('books'));
    await userEvent.type(screen.getByLabelText('Text (body)'), 'A long text.');
    await userEvent.click(screen.getByRole('button', { name: 'Add document' }));
    expect(await screen.findByText('Compressed by lloco-tiny: 120 tokens into 3 segments.')).toBeInTheDocument();
    const call = http.callsTo('POST', '/books/_doc')[0];
    expect(call.body).toEqual({ body: 'A long text.' });
    expect(call.query).toEqual({ refresh: 'wait_for' });
  });

  it("shows the cluster's reason when a pipeline cannot be created", async () => {
    const http = cluster({
      'PUT /_ingest/pipeline/fresh': () => {
        throw osError(400, 'parse_exception', '[model] unknown model [nope]; known: [lloco-tiny]');
      },
    });
    render(<IngestPage api={new LlocoApi(http)} />);
    await ready();
    await userEvent.type(screen.getByLabelText('Name'), 'fresh');
    await userEvent.click(screen.getByRole('button', { name: 'Create pipeline' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Creating the pipeline: the cluster answered 400 parse_exception');
    expect(alert).toHaveTextContent('[model] unknown model [nope]; known: [lloco-tiny]');
  });
});
