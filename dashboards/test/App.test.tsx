/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../src/App';
import { mockHttp } from './mock_http';

describe('App', () => {
  it('moves between pages with the keyboard (Tab to the tabs, arrows, Home, End)', async () => {
    const http = mockHttp({
      'GET /_cat/indices': () => [],
      'GET /_plugins/lloco/_nodes': () => ({ nodes: {} }),
      'GET /_nodes/stats/thread_pool': () => ({ nodes: {} }),
      'GET /_ingest/pipeline': () => ({}),
      'GET /_all/_settings/index.default_pipeline,index.lloco.adapter': () => ({}),
    });
    render(<App http={http} />);
    const ask = screen.getByRole('tab', { name: 'Ask' });
    expect(ask).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByTestId('askPage')).toBeInTheDocument();
    await userEvent.tab();
    expect(ask).toHaveFocus();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Ingest' })).toHaveFocus();
    expect(screen.getByRole('tab', { name: 'Ingest' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('ingestPage')).toBeInTheDocument();
    await userEvent.keyboard('{End}');
    expect(screen.getByRole('tab', { name: 'Nodes' })).toHaveFocus();
    expect(await screen.findByTestId('nodesPage')).toBeInTheDocument();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Ask' })).toHaveFocus();
    await userEvent.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(screen.getByRole('tab', { name: 'Adapters' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByTestId('adaptersPage')).toBeInTheDocument();
    expect(screen.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', 'lloco-tab-adapters');
  });

  it('follows a controlled tab and reports changes', async () => {
    const http = mockHttp({ 'GET /_plugins/lloco/_nodes': () => ({ nodes: {} }), 'GET /_nodes/stats/thread_pool': () => ({ nodes: {} }) });
    const changes: string[] = [];
    render(<App http={http} tab="nodes" onTabChange={(t) => changes.push(t)} />);
    expect(screen.getByRole('tab', { name: 'Nodes' })).toHaveAttribute('aria-selected', 'true');
    await userEvent.click(screen.getByRole('tab', { name: 'Ask' }));
    expect(changes).toEqual(['ask']);
    // controlled: the page changes only when the owner says so
    expect(screen.getByRole('tab', { name: 'Nodes' })).toHaveAttribute('aria-selected', 'true');
  });
});
