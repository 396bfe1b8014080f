/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LlocoApi, TaskInfo } from '../src/api';
import { AdaptersPage } from '../src/pages/AdaptersPage';
import { HttpRequest } from '../src/http';
import { deferred, mockHttp } from './mock_http';

const INDICES = {
  'GET /_cat/indices': () => [{ index: 'books', 'docs.count': '5' }, { index: 'papers', 'docs.count': '2' }],
  'GET /_all/_settings/index.default_pipeline,index.lloco.adapter': () => ({
    books: { settings: { index: { lloco: { adapter: 'books-v1' } } } },
    papers: { settings: {} },
  }),
  'PUT /papers/_settings': () => ({ acknowledged: true }),
  'PUT /books/_settings': () => ({ acknowledged: true }),
};

describe('AdaptersPage without the adapters API', () => {
  it('says what is missing and still binds an adapter through the index setting', async () => {
    const http = mockHttp(INDICES); // GET /_plugins/lloco/adapters: "no handler found"
    render(<AdaptersPage api={new LlocoApi(http)} />);
    const missing = await screen.findByTestId('notAvailable');
    expect(missing).toHaveTextContent('Not available on this cluster: the adapters API');
    expect(missing).toHaveTextContent('_train');
    expect(missing).toHaveTextContent('config/lloco/adapters/<name>/');
    const bindings = screen.getByTestId('bindingsTable');
    await within(bindings).findByText('books-v1');
    expect(within(bindings).getByText('model default')).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByTestId('bindIndex'), 'papers');
    await userEvent.type(screen.getByTestId('bindAdapter'), 'default');
    await userEvent.click(screen.getByRole('button', { name: 'Bind' }));
    await waitFor(() => expect(http.callsTo('PUT', '/papers/_settings')).toHaveLength(1));
    expect(http.callsTo('PUT', '/papers/_settings')[0].body).toEqual({ 'index.lloco.adapter': 'default' });

    await userEvent.click(screen.getByRole('button', { name: "Reset to the model's default" }));
    await waitFor(() => expect(http.callsTo('PUT', '/papers/_settings')).toHaveLength(2));
    expect(http.callsTo('PUT', '/papers/_settings')[1].body).toEqual({ 'index.lloco.adapter': null });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('AdaptersPage with the adapters API', () => {
  const adapters = [
    {
      name: 'books-v1',
      version: 3,
      base_model: 'lloco-tiny',
      r: 32,
      alpha: 64,
      target_modules: ['q_proj', 'v_proj'],
      size_bytes: 2 * 1024 * 1024,
      eval: { exact_match: 0.93, n: 200 },
      bound_indices: ['books'],
    },
  ];

  function cluster(task: (r: HttpRequest) => unknown) {
    return mockHttp({
      ...INDICES,
      'GET /_plugins/lloco/adapters': () => ({ adapters }),
      'PUT /_plugins/lloco/adapters/papers-v1': () => ({ acknowledged: true }),
      'DELETE /_plugins/lloco/adapters/books-v1': () => ({ acknowledged: true }),
      'POST /_plugins/lloco/adapters/books-v1/_train': () => ({ task: 'node-1:42' }),
      'POST /_plugins/lloco/adapters/books-v1/_evaluate': () => ({
        adapter: 'books-v1',
        version: 3,
        eval: {
          examples: 100,
          adapter: { exact_match: 62.5, f1: 70.1 },
          no_adapter: { exact_match: 0, f1: 3.2 },
          sample: [{ question: 'q', answer: 'a', adapter_answer: 'a', no_adapter_answer: '' }],
        },
      }),
      'GET /_tasks/node-1%3A42': task,
      'POST /_tasks/node-1%3A42/_cancel': () => ({ nodes: {} }),
    });
  }

  it('lists adapters with their metrics and registers a new one', async () => {
    const http = cluster(() => ({}));
    render(<AdaptersPage api={new LlocoApi(http)} />);
    const table = await screen.findByTestId('adaptersTable');
    await within(table).findByText('books-v1', { selector: 'td *' });
    expect(table).toHaveTextContent('32 / 64');
    expect(table).toHaveTextContent('q_proj, v_proj');
    expect(table).toHaveTextContent('2.0 MiB');
    expect(table).toHaveTextContent('exact_match 0.930 · n 200');
    expect(screen.queryByTestId('notAvailable')).toBeNull();

    await userEvent.type(screen.getByTestId('adapterName'), 'papers-v1');
    await userEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByText('Adapter papers-v1 registered')).toBeInTheDocument();
    expect(http.callsTo('PUT', '/_plugins/lloco/adapters/papers-v1')[0].body).toEqual({
      path: 'my-adapter',
      base_model: 'lloco-tiny',
    });
  });

  it('trains with a live progress bar from the task, and cancels', async () => {
    const polls: Array<ReturnType<typeof deferred<unknown>>> = [];
    const http = cluster(() => {
      const d = deferred<unknown>();
      polls.push(d);
      return d.promise;
    });
    render(<AdaptersPage api={new LlocoApi(http)} pollMs={0} />);
    await within(await screen.findByTestId('adaptersTable')).findByText('books-v1', { selector: 'td *' });
    await userEvent.click(screen.getByRole('button', { name: 'Train books-v1' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Start training' }));
    expect(await screen.findByText('node-1:42')).toBeInTheDocument();
    expect(http.callsTo('POST', '/_plugins/lloco/adapters/books-v1/_train')[0].body).toEqual({ source_index: '', examples: '', steps: 200 });

    await waitFor(() => expect(polls).toHaveLength(1));
    polls[0].resolve({ completed: false, task: { status: { step: 50, total_steps: 200, loss: 1.23456, tokens_per_second: 812.4, eta_ms: 90000 } } });
    const status = screen.getByTestId('trainStatus');
    await waitFor(() => expect(status).toHaveTextContent('50 / 200'));
    expect(status).toHaveTextContent('1.2346');
    expect(status).toHaveTextContent('812');
    expect(status).toHaveTextContent('90.00 s');
    const bar = screen.getByTestId('trainProgress');
    expect(bar).toHaveAttribute('value', '50');
    expect(bar).toHaveAttribute('max', '200');

    await waitFor(() => expect(polls).toHaveLength(2));
    polls[1].resolve({ completed: false, task: { status: { step: 120, total_steps: 200 } } });
    await waitFor(() => expect(screen.getByTestId('trainProgress')).toHaveAttribute('value', '120'));

    await userEvent.click(screen.getByRole('button', { name: 'Cancel training' }));
    await waitFor(() => expect(http.callsTo('POST', '/_tasks/node-1%3A42/_cancel')).toHaveLength(1));
    await waitFor(() => expect(polls).toHaveLength(3));
    polls[2].resolve({ completed: true, task: { cancelled: true, status: { step: 121, total_steps: 200 } } } as unknown as TaskInfo);
    expect(await screen.findByText(/: cancelled/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel training' })).toBeNull();
  });

  it('evaluates and shows the metrics', async () => {
    const http = cluster(() => ({}));
    render(<AdaptersPage api={new LlocoApi(http)} />);
    await within(await screen.findByTestId('adaptersTable')).findByText('books-v1', { selector: 'td *' });
    await userEvent.click(screen.getByRole('button', { name: 'Evaluate books-v1' }));
    await userEvent.click(within(await screen.findByTestId('evaluatePanel')).getByRole('button', { name: 'Evaluate' }));
    // the API's answer: the adapter and no adapter side by side, one level of nesting flattened, the sample left out
    expect(await screen.findByTestId('evalResult')).toHaveTextContent(
      'examples 100 · adapter.exact_match 62.500 · adapter.f1 70.100 · no_adapter.exact_match 0 · no_adapter.f1 3.200',
    );
    expect(http.callsTo('POST', '/_plugins/lloco/adapters/books-v1/_evaluate')[0].body).toEqual({ source_index: '', examples: '' });
  });

  it('deletes after confirmation', async () => {
    const http = cluster(() => ({}));
    render(<AdaptersPage api={new LlocoApi(http)} />);
    await within(await screen.findByTestId('adaptersTable')).findByText('books-v1', { selector: 'td *' });
    await userEvent.click(screen.getByRole('button', { name: 'Delete books-v1' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(http.callsTo('DELETE', '/_plugins/lloco/adapters/books-v1')).toHaveLength(1));
  });
});
