/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { render, screen, within } from '@testing-library/react';
import { LlocoApi } from '../src/api';
import { NodesPage } from '../src/pages/NodesPage';
import { mockHttp, osError } from './mock_http';

const NODES = {
  _nodes: { total: 2, successful: 2, failed: 0 },
  cluster_name: 'lloco-it',
  nodes: {
    d0: { name: 'data-0', roles: ['cluster_manager', 'data', 'ingest'], lloco_role: false, engine: { status: 'started', devices: ['cpu'], num_threads: 1 }, models: [], adapters: [] },
    l0: {
      name: 'lloco-0',
      roles: ['lloco'],
      lloco_role: true,
      plugin: { name: 'lloco', version: '0.1.0' },
      engine: { status: 'started', devices: ['cpu'], num_threads: 2, pytorch_version: '2.7.1', djl_version: '0.36.0' },
      models: [{ id: 'lloco-tiny', kind: 'model', path: 'embedded', parameters: 15_300_000, bytes: 61_200_000 }],
      adapters: [{ id: 'lloco-tiny/default', kind: 'adapter', path: 'embedded', parameters: 200_000, bytes: 800_000 }],
    },
  },
};

const POOLS = {
  nodes: {
    d0: { thread_pool: { search: { queue: 0 }, lloco_compress: { active: 0, queue: 0, rejected: 0 }, lloco_decode: { active: 0, queue: 0, rejected: 0 } } },
    l0: { thread_pool: { write: { queue: 3 }, lloco_compress: { active: 1, queue: 7, rejected: 2 }, lloco_decode: { active: 1, queue: 0, rejected: 0 } } },
  },
};

describe('NodesPage', () => {
  it('shows lloco nodes first with engine, devices, queue depth and loaded models; says the models API is missing', async () => {
    const http = mockHttp({ 'GET /_plugins/lloco/_nodes': () => NODES, 'GET /_nodes/stats/thread_pool': () => POOLS });
    render(<NodesPage api={new LlocoApi(http)} />);
    const panels = await screen.findAllByTestId('nodePanel');
    expect(panels.map((p) => within(p).getByTestId('nodeName').textContent)).toEqual(['lloco-0', 'data-0']);
    const lloco = panels[0];
    expect(lloco).toHaveTextContent('devicescpu');
    expect(lloco).toHaveTextContent('PyTorch2.7.1');
    expect(within(lloco).getByTestId('pool-lloco_compress')).toHaveTextContent('1 active · 7 queued · 2 rejected');
    expect(within(lloco).queryByTestId('pool-write')).toBeNull();
    const loaded = within(lloco).getByTestId('loadedTable');
    expect(loaded).toHaveTextContent('lloco-tiny');
    expect(loaded).toHaveTextContent('15.3M');
    expect(loaded).toHaveTextContent('58.4 MiB');
    expect(loaded).toHaveTextContent('lloco-tiny/default');
    expect(screen.getByTestId('notAvailable')).toHaveTextContent('the models API');
    expect(screen.getByText('2 node(s) in lloco-it, 1 with the lloco role')).toBeInTheDocument();
  });

  it('shows per-node model state, dtype, device and fingerprint from the models API', async () => {
    const http = mockHttp({
      'GET /_plugins/lloco/_nodes': () => NODES,
      'GET /_nodes/stats/thread_pool': () => POOLS,
      'GET /_plugins/lloco/models': () => ({
        nodes: {
          l0: {
            name: 'lloco-0',
            models: [
              { id: 'lloco-tiny', state: 'loaded', dtype: 'float32', device: 'cpu', parameters: 15_300_000, bytes: 61_200_000, fingerprint: 'sha256:4347', adapters: ['default'] },
              { id: 'big-7b', state: 'failed', dtype: 'float16', device: 'gpu:0', extra: 'kept' },
            ],
          },
          d0: { name: 'data-0', models: [] },
        },
      }),
    });
    render(<NodesPage api={new LlocoApi(http)} />);
    const panels = await screen.findAllByTestId('nodePanel');
    const models = within(panels[0]).getByTestId('modelsTable');
    expect(models).toHaveTextContent('loaded');
    expect(models).toHaveTextContent('sha256:4347');
    expect(models).toHaveTextContent('gpu:0');
    expect(models).toHaveTextContent('failed');
    expect(models).toHaveTextContent('default');
    expect(panels[0]).toHaveTextContent('dtypefloat32, float16');
    expect(within(panels[1]).getByTestId('modelsTable')).toHaveTextContent('No model loaded');
    expect(screen.queryByTestId('notAvailable')).toBeNull();
  });

  it("shows the cluster's error when the info API fails", async () => {
    const http = mockHttp({
      'GET /_plugins/lloco/_nodes': () => {
        throw osError(403, 'security_exception', 'no permissions for [cluster:monitor/lloco/info]');
      },
      'GET /_nodes/stats/thread_pool': () => POOLS,
    });
    render(<NodesPage api={new LlocoApi(http)} />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Reading nodes: the cluster answered 403 security_exception');
    expect(alert).toHaveTextContent('no permissions for [cluster:monitor/lloco/info]');
  });
});
