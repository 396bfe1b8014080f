/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LlocoApi, QaResponse } from '../src/api';
import { AskPage } from '../src/pages/AskPage';
import { deferred, mockHttp, osError } from './mock_http';

const TEXT = 'Ada Fenn walked into the Kitchen.\nThe favourite colour of Ada Fenn is teal. Mara Quill sailed to Orlen.';
// the segment starts with the line break after the previous sentence, as sentence segments do
const SEG = { ord: 1, start: TEXT.indexOf('\nThe favourite'), end: TEXT.indexOf(' Mara') };

function answer(mode: string, extra: Partial<QaResponse> = {}): QaResponse {
  return {
    answer: mode === 'lloco' ? 'teal' : 'teal',
    mode,
    model: 'lloco-tiny',
    adapter: 'default',
    node: 'lloco-0',
    finish_reason: 'eos',
    sources: [{ _index: 'books', _id: 'b1', _score: 2.31, tokens: 48, segments: [SEG] }],
    usage:
      mode === 'lloco'
        ? { summary_positions: 16, prompt_tokens: 30, generated_tokens: 2, decoder_positions: 46, full_context_tokens: 64, compression_ratio: 4 }
        : { summary_positions: 0, context_tokens: 64, prompt_tokens: 30, generated_tokens: 2, decoder_positions: 94, full_context_tokens: 64, compression_ratio: null },
    timings: { retrieve_ms: 12.5, prefill_ms: 30, decode_ms: 9.6, total_ms: mode === 'lloco' ? 60.8 : 120.4 },
    ...extra,
  };
}

function cluster(qa: (body: Record<string, unknown>) => unknown) {
  return mockHttp({
    'GET /_cat/indices': () => [
      { index: '.kibana', 'docs.count': '1' },
      { index: 'books', 'docs.count': '3' },
      { index: 'papers', 'docs.count': '9' },
    ],
    'POST /books/_lloco_qa': (r) => qa(r.body as Record<string, unknown>),
    'GET /books/_doc/b1': () => ({ _source: { body: TEXT, lloco: { source_field: 'body', model: 'lloco-tiny' } } }),
  });
}

describe('AskPage', () => {
  it('asks the selected index and shows the answer, usage, timings and the used segment highlighted in the source', async () => {
    const http = cluster(() => answer('lloco', { usage: { ...answer('lloco').usage, source_bytes_fetched: 2048, summary_bytes_read: 8192, truncated_segments: 1, truncated_tokens: 12 }, warnings: ['stale embeddings: re-compress'] }));
    render(<AskPage api={new LlocoApi(http)} />);
    const index = await screen.findByLabelText('Index');
    await waitFor(() => expect((index as HTMLSelectElement).value).toBe('books'));
    expect(within(index).queryByText('.kibana')).toBeNull(); // system indices are not offered
    expect(within(index).getByText('papers')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Question'), 'Which colour does Ada Fenn like best?');
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));

    expect(await screen.findByText('teal')).toBeInTheDocument();
    const call = http.callsTo('POST', '/books/_lloco_qa')[0];
    expect(call.body).toEqual({ question: 'Which colour does Ada Fenn like best?', size: 1, granularity: 'segment', top_segments: 1, max_new_tokens: 32, mode: 'lloco' });
    const usage = screen.getByTestId('qaUsage');
    expect(usage).toHaveTextContent('4.0×');
    expect(usage).toHaveTextContent('46 (full context: 64 tokens + prompt)');
    expect(usage).toHaveTextContent('2.0 KiB'); // source_bytes_fetched
    expect(usage).toHaveTextContent('8.0 KiB'); // summary_bytes_read
    expect(usage).toHaveTextContent('Truncated segments1');
    expect(usage).toHaveTextContent('Truncated tokens12');
    expect(screen.getByTestId('qaTimings')).toHaveTextContent('60.8 ms');
    expect(screen.getByText('stale embeddings: re-compress')).toBeInTheDocument();

    // the source text, fetched without its summaries, with exactly the segment's UTF-16 range marked
    const mark = await waitFor(() => {
      const m = document.querySelector('mark[data-test-subj="segmentMark"]');
      expect(m).not.toBeNull();
      return m!;
    });
    expect(mark.textContent).toBe(`§1 ${TEXT.slice(SEG.start + 1, SEG.end)}`);
    expect(mark.closest('p')!.textContent).toContain(`Kitchen.\n§1 The favourite`);
    expect(http.callsTo('GET', '/books/_doc/b1')[0].query).toEqual({ _source_excludes: 'lloco.segments' });
  });

  it('runs full_context beside lloco when comparing, and compares decoder positions', async () => {
    const http = cluster((body) => answer(body.mode as string));
    render(<AskPage api={new LlocoApi(http)} />);
    await waitFor(() => expect((screen.getByLabelText('Index') as HTMLSelectElement).value).toBe('books'));
    await userEvent.type(screen.getByLabelText('Question'), 'Which colour?');
    await userEvent.click(screen.getByRole('switch', { name: 'Compare with full_context' }));
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    const cmp = await screen.findByText(/Decoder positions: LLoCO 46, full context 94/);
    expect(cmp).toHaveTextContent('(2.0× fewer with LLoCO)');
    expect(cmp).toHaveTextContent('Same answer: yes');
    expect(http.callsTo('POST', '/books/_lloco_qa').map((c) => (c.body as { mode: string }).mode).sort()).toEqual(['full_context', 'lloco']);
    expect(screen.getByTestId('answer-full_context')).toHaveTextContent('teal');
  });

  it('shows a spinner while the answer is decoded, and Ctrl+Enter asks', async () => {
    const pending = deferred<QaResponse>();
    const http = cluster(() => pending.promise);
    render(<AskPage api={new LlocoApi(http)} />);
    await waitFor(() => expect((screen.getByLabelText('Index') as HTMLSelectElement).value).toBe('books'));
    await userEvent.type(screen.getByLabelText('Question'), 'Where did Ada walk?{Control>}{Enter}{/Control}');
    expect(await screen.findByText('Retrieving and decoding on a lloco node…')).toBeInTheDocument();
    expect(screen.getByRole('status')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Asking/ })).toBeDisabled();
    pending.resolve(answer('lloco', { answer: 'the Kitchen' }));
    expect(await screen.findByText('the Kitchen')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('Retrieving and decoding on a lloco node…')).toBeNull());
  });

  it("shows the cluster's error: status, type and reason", async () => {
    const http = cluster(() => {
      throw osError(429, 'lloco_exception', 'the decode queue of [lloco-0] is full; raise [plugins.lloco.qa.queue_size]');
    });
    render(<AskPage api={new LlocoApi(http)} />);
    await waitFor(() => expect((screen.getByLabelText('Index') as HTMLSelectElement).value).toBe('books'));
    await userEvent.type(screen.getByLabelText('Question'), 'q');
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('the cluster answered 429 lloco_exception');
    expect(alert).toHaveTextContent('the decode queue of [lloco-0] is full; raise [plugins.lloco.qa.queue_size]');
  });

  it('reads several candidate segments with beams, beams in lloco mode only, and lists the candidates', async () => {
    const http = cluster((body) =>
      answer(body.mode as string, {
        candidates: [
          { _index: 'books', _id: 'b1', ord: 1, answer: 'teal', support: 9.41, chosen: true },
          { _index: 'books', _id: 'b1', ord: 0, answer: 'Kitchen', support: null, chosen: false },
        ],
      })
    );
    render(<AskPage api={new LlocoApi(http)} />);
    await waitFor(() => expect((screen.getByLabelText('Index') as HTMLSelectElement).value).toBe('books'));
    await userEvent.type(screen.getByLabelText('Question'), 'Which colour?');
    await userEvent.clear(screen.getByLabelText('Answer candidates'));
    await userEvent.type(screen.getByLabelText('Answer candidates'), '3');
    await userEvent.clear(screen.getByLabelText('Beams'));
    await userEvent.type(screen.getByLabelText('Beams'), '4');
    await userEvent.click(screen.getByRole('switch', { name: 'Compare with full_context' }));
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    await screen.findByTestId('qaComparison');
    const bodies = http.callsTo('POST', '/books/_lloco_qa').map((c) => c.body as Record<string, unknown>);
    const lloco = bodies.find((b) => b.mode === 'lloco')!;
    const full = bodies.find((b) => b.mode === 'full_context')!;
    expect([lloco.answer_candidates, lloco.answer_beams]).toEqual([3, 4]);
    expect([full.answer_candidates, full.answer_beams]).toEqual([3, undefined]);
    expect(screen.getAllByTestId('qaCandidates')[0]).toHaveTextContent('b1#1 → “teal” (support 9.41) ✓ · b1#0 → “Kitchen” (not stated)');
  });

  it('does not ask without a question', async () => {
    const http = cluster(() => answer('lloco'));
    render(<AskPage api={new LlocoApi(http)} />);
    await waitFor(() => expect((screen.getByLabelText('Index') as HTMLSelectElement).value).toBe('books'));
    expect(screen.getByRole('button', { name: 'Ask' })).toBeDisabled();
    await userEvent.type(screen.getByLabelText('Question'), '   ');
    expect(screen.getByRole('button', { name: 'Ask' })).toBeDisabled();
    expect(http.callsTo('POST', '/books/_lloco_qa')).toHaveLength(0);
  });
});
