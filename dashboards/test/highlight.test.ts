/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { excerpts, valueAt } from '../src/highlight';

const marks = (text: string, segs: Array<{ ord: number; start: number; end: number }>, ctx = 5) =>
  excerpts(text, segs, ctx)
    .map((p) => (p.kind === 'gap' ? '…' : p.kind === 'mark' ? `[${p.ord}:${p.text}]` : p.text))
    .join('');

describe('excerpts', () => {
  it('marks the used segments with context and elisions', () => {
    const text = 'aaaaaaaaaaBBBBBcccccccccccccccccccccDDDDDeeeeeeeeee';
    //            0         10   15                   36   41
    expect(marks(text, [{ ord: 1, start: 10, end: 15 }, { ord: 4, start: 36, end: 41 }])).toBe(
      '…aaaaa[1:BBBBB]ccccc…ccccc[4:DDDDD]eeeee…'
    );
  });

  it('merges windows that touch and keeps the whole text with Infinity', () => {
    const text = 'xxAAyyBBzz';
    expect(marks(text, [{ ord: 0, start: 2, end: 4 }, { ord: 1, start: 6, end: 8 }], 2)).toBe('xx[0:AA]yy[1:BB]zz');
    expect(excerpts(text, [{ ord: 0, start: 2, end: 4 }], Infinity).map((p) => (p.kind === 'gap' ? '…' : p.text)).join('')).toBe(text);
  });

  it('uses UTF-16 offsets, as the plugin stores them', () => {
    const text = 'The 🦜 parrot said teal.'; // the parrot is two UTF-16 code units
    const start = text.indexOf('teal');
    expect(start).toBe(19);
    expect(marks(text, [{ ord: 0, start, end: start + 4 }], 100)).toBe('The 🦜 parrot said [0:teal].');
  });

  it('clamps offsets past the text and ignores empty segments', () => {
    expect(marks('abc', [{ ord: 0, start: 1, end: 99 }, { ord: 1, start: 2, end: 2 }], 10)).toBe('a[0:bc]');
    expect(excerpts('', [{ ord: 0, start: 0, end: 5 }])).toEqual([]);
  });
});

describe('valueAt', () => {
  it('follows dotted paths, also through keys with dots', () => {
    expect(valueAt({ body: 'x' }, 'body')).toBe('x');
    expect(valueAt({ doc: { text: 'y' } }, 'doc.text')).toBe('y');
    expect(valueAt({ 'doc.text': 'z' }, 'doc.text')).toBe('z');
    expect(valueAt({ a: { 'b.c': 1 } }, 'a.b.c')).toBe(1);
    expect(valueAt({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
