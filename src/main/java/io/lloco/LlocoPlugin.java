/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Module;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.index.analysis.PreBuiltAnalyzerProviderFactory;
import org.opensearch.indices.analysis.PreBuiltCacheFactory;
import org.opensearch.ingest.Processor;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPipelinePlugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.script.ScriptService;
import org.opensearch.search.pipeline.SearchResponseProcessor;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;
import org.opensearch.watcher.ResourceWatcherService;

import io.lloco.common.LlocoSettings;
import io.lloco.engine.EngineService;
import io.lloco.engine.ModelRegistry;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.info.LlocoInfoAction;
import io.lloco.info.LlocoInfoTransportAction;
import io.lloco.ingest.CompressAction;
import io.lloco.ingest.CompressService;
import io.lloco.ingest.CompressTransportAction;
import io.lloco.ingest.LlocoCompressProcessor;
import io.lloco.ingest.LlocoCompressProcessorFactory;
import io.lloco.ingest.LocalCompressService;
import io.lloco.ingest.RoutedCompressService;
import io.lloco.qa.DecodeAction;
import io.lloco.qa.DecodeService;
import io.lloco.qa.DecodeTransportAction;
import io.lloco.qa.LlocoAnswerProcessor;
import io.lloco.qa.LlocoQaAction;
import io.lloco.qa.LlocoQaTransportAction;
import io.lloco.qa.LlocoSearchExt;
import io.lloco.qa.PairsAnalyzer;
import io.lloco.rest.RestLlocoInfoAction;
import io.lloco.rest.RestLlocoQaAction;
import io.lloco.routing.InferenceRouter;
import io.lloco.routing.LlocoNodeRole;
import io.lloco.runtime.DjlBootstrap;

/** LLoCO for OpenSearch. Only wires: every service is built here, per node, and handed to whoever needs it. */
public class LlocoPlugin extends Plugin implements ActionPlugin, AnalysisPlugin, IngestPlugin, SearchPlugin, SearchPipelinePlugin {

    /** Thread pool whose single worker drains the decode queue in batches. */
    public static final String DECODE_POOL = "lloco_decode";

    /** Thread pool that runs compression (ingest) off the write threads. */
    public static final String COMPRESS_POOL = "lloco_compress";

    // Set in createComponents; processors are built earlier and read them through suppliers.
    private volatile LlocoSettings settings;
    private volatile ModelService models;
    private volatile CompressService compressService;
    private volatile ThreadPool threadPool;

    @Override
    public List<Setting<?>> getSettings() {
        return LlocoSettings.all();
    }

    @Override
    public Set<DiscoveryNodeRole> getRoles() {
        return Set.of(LlocoNodeRole.INSTANCE);
    }

    @Override
    public Collection<Object> createComponents(
        Client client,
        ClusterService clusterService,
        ThreadPool threadPool,
        ResourceWatcherService resourceWatcherService,
        ScriptService scriptService,
        NamedXContentRegistry xContentRegistry,
        Environment environment,
        NodeEnvironment nodeEnvironment,
        NamedWriteableRegistry namedWriteableRegistry,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<RepositoriesService> repositoriesServiceSupplier
    ) {
        this.threadPool = threadPool;
        this.settings = new LlocoSettings(environment.settings(), clusterService);
        Path dataDir = environment.dataFiles()[0].resolve("lloco");
        ModelRegistry registry = new ModelRegistry();
        EngineService engine = new EngineService(settings, new DjlBootstrap(), dataDir.resolve("djl"), registry);
        engine.start();
        this.models = new ModelService(
            environment.configDir(),
            dataDir,
            RuntimeModel.loader(settings.dtype(), settings.weightsDtype()),
            registry
        );
        RoutedCompressService routed = new RoutedCompressService(
            new LocalCompressService(models, () -> clusterService.localNode().getId()),
            client,
            threadPool
        );
        this.compressService = routed;
        DecodeService decoder = new DecodeService(
            models,
            threadPool.executor(DECODE_POOL),
            settings::qaQueueSize,
            settings::qaMaxBatch,
            clusterService.getNodeName()
        );
        return List.of(settings, registry, engine, models, routed, decoder);
    }

    @Override
    public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
        return List.of(
            new FixedExecutorBuilder(settings, COMPRESS_POOL, 1, 10_000, "thread_pool." + COMPRESS_POOL),
            new FixedExecutorBuilder(settings, DECODE_POOL, 1, 100, "thread_pool." + DECODE_POOL)
        );
    }

    @Override
    public Collection<Module> createGuiceModules() {
        return List.of(b -> b.bind(InferenceRouter.class).asEagerSingleton());
    }

    /** {@code lloco_pairs}: adjacent word pairs, the {@code segments.sentences.text.pairs} subfield's analyzer. */
    @Override
    public List<PreBuiltAnalyzerProviderFactory> getPreBuiltAnalyzerProviderFactories() {
        return List
            .of(new PreBuiltAnalyzerProviderFactory(PairsAnalyzer.NAME, PreBuiltCacheFactory.CachingStrategy.ONE, PairsAnalyzer::new));
    }

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(
            LlocoCompressProcessor.TYPE,
            new LlocoCompressProcessorFactory(
                () -> compressService,
                () -> threadPool.executor(COMPRESS_POOL),
                () -> settings == null ? LlocoSettings.INGEST_MAX_TOKENS.getDefault(Settings.EMPTY) : settings.ingestMaxTokens()
            )
        );
    }

    @Override
    public List<SearchExtSpec<?>> getSearchExts() {
        return List.of(new SearchExtSpec<>(LlocoSearchExt.NAME, LlocoSearchExt::new, LlocoSearchExt::parse));
    }

    @Override
    public Map<String, org.opensearch.search.pipeline.Processor.Factory<SearchResponseProcessor>> getResponseProcessors(
        SearchPipelinePlugin.Parameters parameters
    ) {
        return Map.of(LlocoAnswerProcessor.TYPE, new LlocoAnswerProcessor.Factory(parameters.client));
    }

    @Override
    public void close() throws IOException {
        if (models != null) {
            // native weights must outlive any compression or decoding still running on our pools
            awaitIdle(COMPRESS_POOL, DECODE_POOL);
            models.close();
        }
    }

    private void awaitIdle(String... pools) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        for (String pool : pools) {
            java.util.concurrent.ExecutorService e = threadPool.executor(pool);
            if (e instanceof java.util.concurrent.ThreadPoolExecutor tpe) {
                while (tpe.getActiveCount() > 0 && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    @Override
    public List<ActionHandler<? extends org.opensearch.action.ActionRequest, ? extends ActionResponse>> getActions() {
        return List.of(
            new ActionHandler<>(LlocoInfoAction.INSTANCE, LlocoInfoTransportAction.class),
            new ActionHandler<>(CompressAction.INSTANCE, CompressTransportAction.class),
            new ActionHandler<>(LlocoQaAction.INSTANCE, LlocoQaTransportAction.class),
            new ActionHandler<>(DecodeAction.INSTANCE, DecodeTransportAction.class)
        );
    }

    @Override
    public List<RestHandler> getRestHandlers(
        Settings settings,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster
    ) {
        return List.of(new RestLlocoInfoAction(), new RestLlocoQaAction());
    }
}
