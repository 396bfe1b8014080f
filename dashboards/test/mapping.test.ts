/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { mappingFor } from '../src/mapping';
import mapping from '../../docs/lloco-mapping.json';

describe('mappingFor', () => {
  it("is the plugin's mapping for the default target field", () => {
    expect(mappingFor('lloco')).toEqual(mapping.mappings);
  });

  it('renames the target object and the _source rules that name it, without touching the file', () => {
    const m = mappingFor('compressed') as { properties: Record<string, unknown>; _source?: { excludes?: string[] } };
    expect(Object.keys(m.properties)).toContain('compressed');
    expect(m.properties.lloco).toBeUndefined();
    expect(m.properties.compressed).toEqual((mapping.mappings.properties as Record<string, unknown>).lloco);
    expect((mapping.mappings as { _source?: { excludes?: string[] } })._source?.excludes).toEqual(['lloco.segments.summaries']);
    expect(m._source?.excludes).toEqual(['compressed.segments.summaries']);
    expect(Object.keys(mapping.mappings.properties)).toContain('lloco');
  });
});
