/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.pipeline;

import static org.opensearch.ingest.ConfigurationUtils.newConfigurationException;
import static org.opensearch.ingest.ConfigurationUtils.readIntProperty;
import static org.opensearch.ingest.ConfigurationUtils.readOptionalStringProperty;
import static org.opensearch.ingest.ConfigurationUtils.readStringProperty;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.SearchResponseSections;
import org.opensearch.core.action.ActionListener;
import org.opensearch.search.SearchExtBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.search.pipeline.AbstractProcessor;
import org.opensearch.search.pipeline.PipelineProcessingContext;
import org.opensearch.search.pipeline.Processor;
import org.opensearch.search.pipeline.SearchResponseProcessor;
import org.opensearch.transport.client.Client;

import io.lloco.decode.DecodeOptions;
import io.lloco.qa.LlocoQaAction;
import io.lloco.qa.LlocoQaRequest;

/**
 * {@code lloco_answer}: a search response processor that answers the search's question ({@code ext.lloco.question})
 * over the top hits' compressed documents and returns it in {@code ext.lloco} — the in-cluster counterpart of the
 * {@code retrieval_augmented_generation} processor, with summary embeddings instead of text.
 */
public final class LlocoAnswerProcessor extends AbstractProcessor implements SearchResponseProcessor {

    /** Processor type. */
    public static final String TYPE = "lloco_answer";

    private final Client client;
    private final int size;
    private final String targetField;
    private final String template;
    private final int maxNewTokens;
    private final DecodeOptions.Mode mode;
    private final String adapter;

    LlocoAnswerProcessor(
        String tag,
        String description,
        boolean ignoreFailure,
        Client client,
        int size,
        String targetField,
        String template,
        int maxNewTokens,
        DecodeOptions.Mode mode,
        String adapter
    ) {
        super(tag, description, ignoreFailure);
        this.client = client;
        this.size = size;
        this.targetField = targetField;
        this.template = template;
        this.maxNewTokens = maxNewTokens;
        this.mode = mode;
        this.adapter = adapter;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public SearchResponse processResponse(SearchRequest request, SearchResponse response) {
        throw new UnsupportedOperationException("[" + TYPE + "] runs asynchronously only");
    }

    @Override
    public void processResponseAsync(
        SearchRequest request,
        SearchResponse response,
        PipelineProcessingContext context,
        ActionListener<SearchResponse> listener
    ) {
        try {
            Map<String, Object> ext = requestExt(request);
            Object question = ext.get("question");
            if (question instanceof String == false || ((String) question).isBlank()) {
                throw new IllegalArgumentException(
                    "[" + TYPE + "] needs the question in the search request: \"ext\": {\"lloco\": {\"question\": \"...\"}}"
                );
            }
            LinkedHashSet<String> indices = new LinkedHashSet<>();
            List<String> ids = new ArrayList<>();
            for (SearchHit hit : response.getHits().getHits()) {
                if (ids.size() >= size) {
                    break;
                }
                indices.add(hit.getIndex());
                ids.add(hit.getId());
            }
            if (ids.isEmpty()) {
                listener.onResponse(withExt(response, Map.of("answer", "", "sources", List.of(), "reason", "no hits")));
                return;
            }
            // the processor's config is the default; the search's ext.lloco overrides it (checked as strictly as _lloco_qa)
            Map<String, Object> merged = new LinkedHashMap<>();
            if (template != null) {
                merged.put("template", template);
            }
            merged.put("max_new_tokens", maxNewTokens);
            merged.put("mode", mode.value());
            if (adapter != null) {
                merged.put("adapter", adapter);
            }
            merged.putAll(ext);
            LlocoQaRequest qa = LlocoQaRequest.fromExt(merged, indices.toArray(String[]::new))
                .docIds(ids)
                .size(ids.size())
                .targetField(targetField);
            var validation = qa.validate();
            if (validation != null) {
                throw validation;
            }
            client.execute(
                LlocoQaAction.INSTANCE,
                qa,
                ActionListener.wrap(r -> listener.onResponse(withExt(response, r.asMap())), listener::onFailure)
            );
        } catch (Exception e) {
            listener.onFailure(e);
        }
    }

    private static Map<String, Object> requestExt(SearchRequest request) {
        if (request.source() != null && request.source().ext() != null) {
            for (SearchExtBuilder b : request.source().ext()) {
                if (b instanceof LlocoSearchExt l) {
                    return l.values();
                }
            }
        }
        return Map.of();
    }

    private static SearchResponse withExt(SearchResponse r, Map<String, Object> answer) {
        SearchResponseSections in = r.getInternalResponse();
        List<SearchExtBuilder> exts = new ArrayList<>(in.getSearchExtBuilders());
        exts.add(new LlocoSearchExt(new LinkedHashMap<>(answer)));
        SearchResponseSections out = new SearchResponseSections(
            in.hits(),
            in.aggregations(),
            in.suggest(),
            in.timedOut(),
            in.terminatedEarly(),
            new org.opensearch.search.profile.SearchProfileShardResults(in.profile()),
            in.getNumReducePhases(),
            exts,
            in.getProcessorResult()
        );
        return new SearchResponse(
            out,
            r.getScrollId(),
            r.getTotalShards(),
            r.getSuccessfulShards(),
            r.getSkippedShards(),
            r.getTook().millis(),
            r.getShardFailures(),
            r.getClusters(),
            r.pointInTimeId()
        );
    }

    /**
     * {@code target_field}, {@code template} and {@code adapter} are checked when the pipeline is put, by the rules of a
     * {@code _lloco_qa} body (was: accepted, then every search through the pipeline failed).
     */
    static void checkLikeARequest(String tag, String targetField, String template, String adapter) {
        LlocoQaRequest probe = LlocoQaRequest.forPipelineCheck(targetField, template, adapter);
        org.opensearch.action.ActionRequestValidationException e = probe.validate();
        if (e != null) {
            String property = targetField != null && e.getMessage().contains("[target_field]")
                ? "target_field"
                : e.getMessage().contains("[adapter]")
                    ? "adapter"
                    : "template";
            throw newConfigurationException(TYPE, tag, property, String.join("; ", e.validationErrors()));
        }
        if (template != null) {
            try {
                io.lloco.runtime.prompt.PromptTemplates.defaults().resolve(template, "template");
            } catch (IllegalArgumentException ex) {
                throw newConfigurationException(TYPE, tag, "template", ex.getMessage());
            }
        }
    }

    /** Parses the processor config with ConfigurationUtils; leftovers are rejected by core. */
    public static final class Factory implements Processor.Factory<SearchResponseProcessor> {

        private final Client client;

        /** A factory using the node client (runs as the searching user). */
        public Factory(Client client) {
            this.client = client;
        }

        @Override
        public SearchResponseProcessor create(
            Map<String, Processor.Factory<SearchResponseProcessor>> factories,
            String tag,
            String description,
            boolean ignoreFailure,
            Map<String, Object> config,
            PipelineContext ctx
        ) {
            int size = readIntProperty(TYPE, tag, config, "size", 1);
            if (size < 1 || size > LlocoQaRequest.MAX_SIZE) {
                throw newConfigurationException(
                    TYPE,
                    tag,
                    "size",
                    "must be between 1 and " + LlocoQaRequest.MAX_SIZE + ", got [" + size + "]"
                );
            }
            String targetField = readStringProperty(TYPE, tag, config, "target_field", "lloco");
            String template = readOptionalStringProperty(TYPE, tag, config, "template");
            int maxNewTokens = readIntProperty(TYPE, tag, config, "max_new_tokens", DecodeOptions.DEFAULT_MAX_NEW_TOKENS);
            if (maxNewTokens < 1 || maxNewTokens > DecodeOptions.MAX_NEW_TOKENS_LIMIT) {
                throw newConfigurationException(TYPE, tag, "max_new_tokens", "must be between 1 and " + DecodeOptions.MAX_NEW_TOKENS_LIMIT);
            }
            DecodeOptions.Mode mode;
            try {
                mode = DecodeOptions.Mode.parse(readStringProperty(TYPE, tag, config, "mode", "lloco"));
            } catch (IllegalArgumentException e) {
                throw newConfigurationException(TYPE, tag, "mode", e.getMessage());
            }
            String adapter = readOptionalStringProperty(TYPE, tag, config, "adapter");
            checkLikeARequest(tag, targetField, template, adapter);
            return new LlocoAnswerProcessor(
                tag, description, ignoreFailure, client, size, targetField, template, maxNewTokens, mode, adapter
            );
        }
    }

}
