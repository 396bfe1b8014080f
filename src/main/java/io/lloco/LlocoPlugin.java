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

import org.opensearch.action.support.ActionFilter;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Module;
import org.opensearch.common.lifecycle.LifecycleComponent;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.index.analysis.PreBuiltAnalyzerProviderFactory;
import org.opensearch.indices.SystemIndexDescriptor;
import org.opensearch.indices.analysis.PreBuiltCacheFactory;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.ingest.Processor;
import org.opensearch.monitor.jvm.JvmInfo;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.CircuitBreakerPlugin;
import org.opensearch.plugins.IngestPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPipelinePlugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.plugins.SystemIndexPlugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.script.ScriptService;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.search.pipeline.SearchResponseProcessor;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;
import org.opensearch.watcher.ResourceWatcherService;

import io.lloco.adapters.AdapterBindingFilter;
import io.lloco.adapters.AdapterDeleteAction;
import io.lloco.adapters.AdapterDeleteTransportAction;
import io.lloco.adapters.AdapterPutAction;
import io.lloco.adapters.AdapterPutTransportAction;
import io.lloco.adapters.AdapterRegistrar;
import io.lloco.adapters.AdapterStore;
import io.lloco.adapters.AdaptersGetAction;
import io.lloco.adapters.AdaptersGetTransportAction;
import io.lloco.adapters.LocalAdapters;
import io.lloco.adapters.RestAdapterDeleteAction;
import io.lloco.adapters.RestAdapterPutAction;
import io.lloco.adapters.RestAdaptersGetAction;
import io.lloco.common.LlocoSettings;
import io.lloco.common.ThreadPools;
import io.lloco.decode.DecodeAction;
import io.lloco.decode.DecodeService;
import io.lloco.decode.DecodeTransportAction;
import io.lloco.decode.WindowAction;
import io.lloco.decode.WindowTransportAction;
import io.lloco.engine.EngineService;
import io.lloco.engine.MemoryBudget;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.info.LlocoInfoAction;
import io.lloco.info.LlocoInfoTransportAction;
import io.lloco.info.RestLlocoInfoAction;
import io.lloco.ingest.CompressAction;
import io.lloco.ingest.CompressService;
import io.lloco.ingest.CompressTransportAction;
import io.lloco.ingest.LlocoCompressProcessor;
import io.lloco.ingest.LlocoCompressProcessorFactory;
import io.lloco.ingest.LocalCompressService;
import io.lloco.ingest.RoutedCompressService;
import io.lloco.models.ModelLoadStatus;
import io.lloco.models.ModelsGetAction;
import io.lloco.models.ModelsGetTransportAction;
import io.lloco.models.ModelsLoadAction;
import io.lloco.models.ModelsLoadTransportAction;
import io.lloco.models.ModelsUnloadAction;
import io.lloco.models.ModelsUnloadTransportAction;
import io.lloco.models.RestModelLoadAction;
import io.lloco.models.RestModelUnloadAction;
import io.lloco.models.RestModelsGetAction;
import io.lloco.qa.LlocoQaAction;
import io.lloco.qa.LlocoQaTransportAction;
import io.lloco.qa.PairsAnalyzer;
import io.lloco.qa.RestLlocoQaAction;
import io.lloco.qa.pipeline.LlocoAnswerProcessor;
import io.lloco.qa.pipeline.LlocoSearchExt;
import io.lloco.routing.InferenceRouter;
import io.lloco.routing.LlocoNodeRole;
import io.lloco.runtime.DjlBootstrap;
import io.lloco.store.SummaryFetchExt;
import io.lloco.store.SummaryFetchSubPhase;
import io.lloco.tuning.AdapterEvaluateAction;
import io.lloco.tuning.AdapterEvaluateTransportAction;
import io.lloco.tuning.AdapterTrainAction;
import io.lloco.tuning.AdapterTrainRunAction;
import io.lloco.tuning.AdapterTrainRunTransportAction;
import io.lloco.tuning.AdapterTrainTransportAction;
import io.lloco.tuning.EvaluateStatus;
import io.lloco.tuning.RestAdapterEvaluateAction;
import io.lloco.tuning.RestAdapterTrainAction;
import io.lloco.tuning.TrainStatus;
import io.lloco.ui.RestLlocoUiAction;
import io.lloco.ui.UiAssets;

/** LLoCO for OpenSearch. Only wires: every service is built here, per node, and handed to whoever needs it. */
public class LlocoPlugin extends Plugin
    implements
        ActionPlugin,
        AnalysisPlugin,
        CircuitBreakerPlugin,
        IngestPlugin,
        SearchPlugin,
        SearchPipelinePlugin,
        SystemIndexPlugin {

    // Set in createComponents; processors are built earlier and read them through suppliers.
    private volatile LlocoSettings settings;
    private volatile ModelService models;
    private volatile CompressService compressService;
    private volatile ThreadPool threadPool;
    private volatile CircuitBreaker breaker;
    private final AdapterBindingFilter bindingFilter = new AdapterBindingFilter();

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
        EngineService engine = new EngineService(settings, new DjlBootstrap(), dataDir.resolve("djl"), environment.configDir());
        engine.start();
        MemoryBudget memory = new MemoryBudget(
            settings::memoryLimit,
            EngineService::deviceMemoryBytes,
            JvmInfo.jvmInfo().getMem().getHeapMax().getBytes(),
            breaker
        );
        memory.syncBreakerLimit(engine.computeDevices(), settings.memoryLimit());
        clusterService.getClusterSettings()
            .addSettingsUpdateConsumer(LlocoSettings.MEMORY_LIMIT, v -> memory.syncBreakerLimit(engine.computeDevices(), v));
        this.models = new ModelService(
            environment.configDir(),
            dataDir,
            modelLoader(),
            engine,
            memory,
            settings::qaMaxBatch,
            threadPool.executor(ThreadPools.LOAD),
            clusterService.getNodeName(),
            settings::adaptersCacheSize
        );
        models.preload(settings.modelsPreload());
        RoutedCompressService routed = new RoutedCompressService(
            new LocalCompressService(models, () -> clusterService.localNode().getId()),
            client,
            threadPool
        );
        this.compressService = routed;
        AdapterStore adapterStore = new AdapterStore(client, threadPool);
        AdapterRegistrar registrar = new AdapterRegistrar(
            models,
            adapterStore,
            environment.configDir(),
            dataDir.resolve("tmp"),
            () -> settings.adaptersMaxUploadSize().getBytes()
        );
        LocalAdapters localAdapters = new LocalAdapters(
            adapterStore,
            models.adapterCache(),
            dataDir.resolve("adapters"),
            threadPool.generic(),
            () -> AdapterStore.revision(clusterService.state())
        );
        bindingFilter.wire(client, threadPool, adapterStore);
        return List.of(settings, engine, memory, models, routed, registrar, localAdapters);
    }

    /** Builds models ({@link RuntimeModel#load}); tests override it to observe or pause loading. */
    protected ModelService.ModelLoader modelLoader() {
        return RuntimeModel::load;
    }

    /**
     * The {@code lloco} breaker: native bytes of loaded models and adapters (see {@link MemoryBudget}), overhead 0 so
     * that these off-heap bytes never count against the heap's parent breaker. Its limit is set once the engine knows
     * the compute devices.
     */
    @Override
    public BreakerSettings getCircuitBreaker(Settings settings) {
        return MemoryBudget.breakerSettings();
    }

    @Override
    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
        this.breaker = circuitBreaker;
    }

    /** The adapter registry's index ({@code .lloco-adapters}): hidden, a system index. */
    @Override
    public Collection<SystemIndexDescriptor> getSystemIndexDescriptors(Settings settings) {
        return List.of(new SystemIndexDescriptor(AdapterStore.INDEX, "LLoCO adapter registry: metadata and chunked, checksummed weights"));
    }

    /** Checks {@code index.lloco.adapter} bindings against the registry when they are made. */
    @Override
    public List<ActionFilter> getActionFilters() {
        return List.of(bindingFilter);
    }

    @Override
    public List<NamedWriteableRegistry.Entry> getNamedWriteables() {
        return List.of(
            new NamedWriteableRegistry.Entry(Task.Status.class, ModelLoadStatus.NAME, ModelLoadStatus::new),
            new NamedWriteableRegistry.Entry(Task.Status.class, TrainStatus.NAME, TrainStatus::new),
            new NamedWriteableRegistry.Entry(Task.Status.class, EvaluateStatus.NAME, EvaluateStatus::new)
        );
    }

    @Override
    public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
        int qaThreads = Math.min(4, OpenSearchExecutors.allocatedProcessors(settings));
        return List.of(
            new FixedExecutorBuilder(settings, ThreadPools.COMPRESS, 1, 10_000, "thread_pool." + ThreadPools.COMPRESS),
            new FixedExecutorBuilder(settings, ThreadPools.DECODE, 1, 100, "thread_pool." + ThreadPools.DECODE),
            new FixedExecutorBuilder(settings, ThreadPools.QA, qaThreads, 1_000, "thread_pool." + ThreadPools.QA),
            new FixedExecutorBuilder(settings, ThreadPools.LOAD, 1, 1_000, "thread_pool." + ThreadPools.LOAD),
            new FixedExecutorBuilder(settings, ThreadPools.TRAIN, 1, 1_000, "thread_pool." + ThreadPools.TRAIN)
        );
    }

    @Override
    public Collection<Class<? extends LifecycleComponent>> getGuiceServiceClasses() {
        return List.of(DecodeService.class);
    }

    @Override
    public Collection<Module> createGuiceModules() {
        return List.of(b -> {
            b.bind(InferenceRouter.class).asEagerSingleton();
            b.bind(DecodeService.class).asEagerSingleton();
        });
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
                () -> threadPool.executor(ThreadPools.COMPRESS),
                () -> settings == null ? LlocoSettings.INGEST_MAX_TOKENS.getDefault(Settings.EMPTY) : settings.ingestMaxTokens(),
                () -> settings == null ? LlocoSettings.INGEST_MAX_BYTES.getDefault(Settings.EMPTY).getBytes() : settings.ingestMaxBytes(),
                index -> LlocoCompressProcessorFactory.nestedObjectsLimit(parameters.ingestService.getClusterService().state(), index)
            )
        );
    }

    @Override
    public List<SearchExtSpec<?>> getSearchExts() {
        return List.of(
            new SearchExtSpec<>(LlocoSearchExt.NAME, LlocoSearchExt::new, LlocoSearchExt::parse),
            new SearchExtSpec<>(SummaryFetchExt.NAME, SummaryFetchExt::new, SummaryFetchExt::parse)
        );
    }

    @Override
    public List<FetchSubPhase> getFetchSubPhases(FetchPhaseConstructionContext context) {
        return List.of(new SummaryFetchSubPhase());
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
            ThreadPools.awaitIdle(threadPool, java.time.Duration.ofSeconds(30), ThreadPools.COMPRESS, ThreadPools.DECODE, ThreadPools.LOAD);
            models.close();
        }
    }

    @Override
    public List<ActionHandler<? extends org.opensearch.action.ActionRequest, ? extends ActionResponse>> getActions() {
        return List.of(
            new ActionHandler<>(LlocoInfoAction.INSTANCE, LlocoInfoTransportAction.class),
            new ActionHandler<>(CompressAction.INSTANCE, CompressTransportAction.class),
            new ActionHandler<>(LlocoQaAction.INSTANCE, LlocoQaTransportAction.class),
            new ActionHandler<>(DecodeAction.INSTANCE, DecodeTransportAction.class),
            new ActionHandler<>(WindowAction.INSTANCE, WindowTransportAction.class),
            new ActionHandler<>(ModelsLoadAction.INSTANCE, ModelsLoadTransportAction.class),
            new ActionHandler<>(ModelsUnloadAction.INSTANCE, ModelsUnloadTransportAction.class),
            new ActionHandler<>(ModelsGetAction.INSTANCE, ModelsGetTransportAction.class),
            new ActionHandler<>(AdapterPutAction.INSTANCE, AdapterPutTransportAction.class),
            new ActionHandler<>(AdaptersGetAction.INSTANCE, AdaptersGetTransportAction.class),
            new ActionHandler<>(AdapterDeleteAction.INSTANCE, AdapterDeleteTransportAction.class),
            new ActionHandler<>(AdapterTrainAction.INSTANCE, AdapterTrainTransportAction.class),
            new ActionHandler<>(AdapterTrainRunAction.INSTANCE, AdapterTrainRunTransportAction.class),
            new ActionHandler<>(AdapterEvaluateAction.INSTANCE, AdapterEvaluateTransportAction.class)
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
        return List.of(
            new RestLlocoInfoAction(),
            new RestLlocoQaAction(),
            new RestLlocoUiAction(new UiAssets(), () -> this.settings == null || this.settings.uiEnabled()),
            new RestModelLoadAction(),
            new RestModelUnloadAction(),
            new RestModelsGetAction(),
            new RestAdapterPutAction(() -> this.settings),
            new RestAdaptersGetAction(),
            new RestAdapterDeleteAction(),
            new RestAdapterTrainAction(),
            new RestAdapterEvaluateAction()
        );
    }
}
