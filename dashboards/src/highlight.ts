/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import type { QaSegment } from './api';

/** A run of a source text: plain context, a used segment (highlighted), or an elision between excerpts. */
export type Piece = { kind: 'text'; text: string } | { kind: 'mark'; text: string; ord: number } | { kind: 'gap' };

/**
 * Excerpts of {@code text} around the segments the answer used, each segment marked. Offsets are UTF-16 code units
 * (what the plugin stores and what JavaScript strings index), clamped to the text; {@code context} characters of
 * plain text are kept on each side; windows that touch are merged; {@code context = Infinity} keeps the whole text.
 */
export function excerpts(text: string, segments: QaSegment[], context = 160): Piece[] {
  const n = text.length;
  const segs = segments
    .map((s) => ({ ord: s.ord, start: clamp(s.start, 0, n), end: clamp(s.end, 0, n) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  if (segs.length === 0) {
    return n === 0 ? [] : [{ kind: 'text', text: context === Infinity ? text : text.slice(0, 2 * context) }, ...(context !== Infinity && n > 2 * context ? [{ kind: 'gap' } as Piece] : [])];
  }
  // windows of context around each segment, merged when they overlap or touch
  const windows: Array<{ start: number; end: number }> = [];
  for (const s of segs) {
    const start = context === Infinity ? 0 : Math.max(0, s.start - context);
    const end = context === Infinity ? n : Math.min(n, s.end + context);
    const last = windows[windows.length - 1];
    if (last && start <= last.end) {
      last.end = Math.max(last.end, end);
    } else {
      windows.push({ start, end });
    }
  }
  const pieces: Piece[] = [];
  for (const w of windows) {
    if (w.start > 0) pieces.push({ kind: 'gap' });
    let at = w.start;
    for (const s of segs) {
      if (s.end <= w.start || s.start >= w.end) continue;
      const from = Math.max(s.start, at);
      if (from > at) pieces.push({ kind: 'text', text: text.slice(at, from) });
      if (s.end > from) pieces.push({ kind: 'mark', text: text.slice(from, s.end), ord: s.ord });
      at = Math.max(at, s.end);
    }
    if (w.end > at) pieces.push({ kind: 'text', text: text.slice(at, w.end) });
  }
  if (windows[windows.length - 1].end < n) pieces.push({ kind: 'gap' });
  return pieces;
}

function clamp(v: number, lo: number, hi: number): number {
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo;
}

/** The value at a dotted path of a _source ({@code a.b.c}), also when a key itself holds dots. */
export function valueAt(source: Record<string, unknown>, path: string): unknown {
  if (path in source) return source[path];
  const parts = path.split('.');
  for (let i = 1; i < parts.length; i++) {
    const v = source[parts.slice(0, i).join('.')];
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const found = valueAt(v as Record<string, unknown>, parts.slice(i).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
