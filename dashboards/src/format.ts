/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */

const nf = new Intl.NumberFormat('en-US');

/** 12,345 (or an em dash when there is no number). */
export function num(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? nf.format(v) : '—';
}

/** 1.5 KiB, 3.2 MiB. */
export function bytes(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = v;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return u === 0 ? `${nf.format(x)} B` : `${x.toFixed(x >= 100 ? 0 : 1)} ${units[u]}`;
}

/** 12.3 ms, 4.56 s. */
export function ms(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
}

/** 17.7×. */
export function ratio(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)}×` : '—';
}

/** 1.1B, 15.3M, 2,048 parameters. */
export function count(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)}B`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  return nf.format(v);
}
