/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import mapping from '../../docs/lloco-mapping.json';

/**
 * The plugin's index mapping (docs/lloco-mapping.json, the file the REST tests create their indices from) for a
 * pipeline whose target field is {@code target}: the {@code lloco} object and every {@code _source} rule that names it
 * renamed.
 */
export function mappingFor(target: string): Record<string, unknown> {
  const m = JSON.parse(JSON.stringify((mapping as { mappings: Record<string, unknown> }).mappings)) as Record<string, unknown>;
  if (target === 'lloco') return m;
  const rename = (path: unknown) => (typeof path === 'string' && (path === 'lloco' || path.startsWith('lloco.')) ? target + path.slice('lloco'.length) : path);
  const props = m.properties as Record<string, unknown> | undefined;
  if (props && 'lloco' in props) {
    props[target] = props.lloco;
    delete props.lloco;
  }
  const source = m._source as Record<string, unknown> | undefined;
  if (source) {
    for (const k of ['includes', 'excludes']) {
      if (Array.isArray(source[k])) source[k] = (source[k] as unknown[]).map(rename);
    }
  }
  return m;
}
