/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.reactor.ssl.TlsDetails;
import org.junit.AfterClass;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.RestClient;
import org.opensearch.client.RestClientBuilder;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * REST tests against the secured 3.4.0 cluster of {@code integTest/security/run.sh}: the real {@code opensearch-security}
 * plugin, TLS on HTTP (the run's own CA, {@code integTest/security/certs.sh}) and the users, roles and role mappings of
 * {@code integTest/security/config}. Every request is sent as a named user ({@link #as}) through a chosen node: the data
 * node (not a {@code lloco} node: QA decode and ingest compression are sent on to the {@code lloco} node as internal
 * transport actions) or the {@code lloco} node (they run there, without a transport hop). The fixtures are built once
 * per cluster, as {@code admin}, and left in place (the cluster is thrown away after the run).
 */
public abstract class SecureRestTestCase extends OpenSearchRestTestCase {

    /** System property: the directory of {@code certs.sh} (its root-ca.pem), set by integTest/security/run.sh. */
    static final String CERTS_DIR = "tests.lloco.security.certs";

    /** Index every QA user may read (three documents, one of them {@code secret: true}). */
    static final String DOCS = "sec-docs";
    /** Index only {@code admin} may read. */
    static final String PRIVATE = "sec-private";
    /** Ingest pipeline with {@code lloco_compress} (the embedded {@code lloco-tiny}). */
    static final String COMPRESS = "sec-compress";
    /** Search pipeline with the {@code lloco_answer} response processor. */
    static final String ANSWER = "sec-answer";

    /** The documents of {@link #DOCS} and {@link #PRIVATE}: id, body, secret. */
    static final List<Object[]> DOCUMENTS = List.of(
        new Object[]{"pub-1", "Ada Fenn walked to the market on Monday. She bought bread and apples.", false},
        new Object[]{"pub-2", "Mara Quill sailed to Orlen on Tuesday. The sea was calm all day.", false},
        new Object[]{"secret-1", "The vault code of Tallowmere is Velden. Only the keeper of Tallowmere knows the vault code.", true}
    );

    private static final Map<String, RestClient> CLIENTS = new HashMap<>();
    private static boolean fixtures;
    private static String dataNodeHost;
    private static String llocoNodeHost;

    /** Test-only password of every user of internal_users.yml. */
    static String password(String user) {
        return user + "-Secret-1";
    }

    @Override
    protected String getProtocol() {
        return "https";
    }

    @Override
    protected Settings restClientSettings() {
        return settings("admin");
    }

    @Override
    protected boolean preserveClusterUponCompletion() {
        return true; // never wipe a secured cluster (the security index); the fixtures are reused by every class
    }

    private static Settings settings(String user) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password(user)).getBytes(StandardCharsets.UTF_8));
        return Settings.builder().put(ThreadContext.PREFIX + ".Authorization", "Basic " + token).build();
    }

    /**
     * Clients that trust the run's CA (root-ca.pem of certs.sh) and verify the node's name (its certificate holds
     * 127.0.0.1): built here from the PEM with the JDK's own key store, so the test classpath needs no FIPS provider
     * (the framework's {@code truststore.path} loads key stores through BouncyCastle FIPS, absent here).
     */
    @Override
    protected RestClient buildClient(Settings settings, HttpHost[] hosts) throws IOException {
        String certs = System.getProperty(CERTS_DIR);
        assumeTrue("run through integTest/security/run.sh, which sets -D" + CERTS_DIR, certs != null && certs.isBlank() == false);
        SSLContext ssl;
        try (InputStream pem = Files.newInputStream(Path.of(certs, "root-ca.pem"))) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("lloco-test-root-ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + certs + "/root-ca.pem", e);
        }
        RestClientBuilder builder = RestClient.builder(hosts);
        configureClient(builder, settings); // default headers (the user's credentials), timeouts
        builder.setHttpClientConfigCallback(
            http -> http.setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setTlsStrategy(
                        ClientTlsStrategyBuilder.create()
                            .setSslContext(ssl)
                            .setTlsDetailsFactory(e -> new TlsDetails(e.getSession(), e.getApplicationProtocol()))
                            .build()
                    )
                    .build()
            )
        );
        builder.setStrictDeprecationMode(false);
        return builder.build();
    }

    /**
     * Sends requests as {@code user} ({@code null}: without credentials) to one node: {@code lloco} true for the
     * {@code lloco} node, false for the data node. The credentials travel in each request's {@code Authorization}
     * header (request headers replace the client's default ones), so one client per node serves every user.
     */
    User as(String user, boolean lloco) throws IOException {
        resolveNodes();
        String host = lloco ? llocoNodeHost : dataNodeHost;
        RestClient c = CLIENTS.get(host);
        if (c == null) {
            int colon = host.lastIndexOf(':');
            c = buildClient(
                Settings.EMPTY,
                new HttpHost[]{new HttpHost("https", host.substring(0, colon), Integer.parseInt(host.substring(colon + 1)))}
            );
            CLIENTS.put(host, c);
        }
        return new User(c, user);
    }

    /** Sends requests as {@code user} to the data node (the usual coordinating node). */
    User as(String user) throws IOException {
        return as(user, false);
    }

    /** A node client and the user whose credentials go with each request. */
    record User(RestClient client, String name) {

        Response perform(Request request) throws IOException {
            if (name != null) {
                String token = Base64.getEncoder().encodeToString((name + ":" + password(name)).getBytes(StandardCharsets.UTF_8));
                request.setOptions(request.getOptions().toBuilder().addHeader("Authorization", "Basic " + token));
            }
            return client.performRequest(request);
        }
    }

    /** Closes the node clients together: a TLS client takes seconds to close gracefully. */
    @AfterClass
    public static void closeNodeClients() throws Exception {
        List<Thread> closing = new ArrayList<>();
        for (RestClient c : CLIENTS.values()) {
            closing.add(Thread.ofPlatform().start(() -> {
                try {
                    c.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        for (Thread t : closing) {
            t.join();
        }
        CLIENTS.clear();
    }

    /** HTTP addresses of the data node and of the {@code lloco} node, from the cluster itself. */
    @SuppressWarnings("unchecked")
    private void resolveNodes() throws IOException {
        if (dataNodeHost != null) {
            return;
        }
        Map<String, Object> lloco = (Map<String, Object>) admin("GET", "/_plugins/lloco/_nodes", null).get("nodes");
        Map<String, Object> http = (Map<String, Object>) admin("GET", "/_nodes/http", null).get("nodes");
        for (Map.Entry<String, Object> e : lloco.entrySet()) {
            boolean role = Boolean.TRUE.equals(((Map<String, Object>) e.getValue()).get("lloco_role"));
            String address = (String) ((Map<String, Object>) ((Map<String, Object>) http.get(e.getKey())).get("http"))
                .get("publish_address");
            address = address.substring(address.lastIndexOf('/') + 1); // "host/127.0.0.1:9250" or "127.0.0.1:9250"
            if (role) {
                llocoNodeHost = address;
            } else if (dataNodeHost == null) {
                dataNodeHost = address;
            }
        }
        assertNotNull("a node with the lloco role: " + lloco, llocoNodeHost);
        assertNotNull("a node without the lloco role: " + lloco, dataNodeHost);
    }

    /** Builds the indices and pipelines once per cluster, as admin. */
    void ensureFixtures() throws IOException {
        if (fixtures) {
            return;
        }
        admin(
            "PUT",
            "/_ingest/pipeline/" + COMPRESS,
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"mode\":\"independent\",\"segment_boundary\":\"sentence\"}}]}"
        );
        admin(
            "PUT",
            "/_search/pipeline/" + ANSWER,
            "{\"response_processors\":[{\"lloco_answer\":{\"size\":3,\"max_new_tokens\":4}}]}"
        );
        for (String index : List.of(DOCS, PRIVATE)) {
            createLlocoIndex(index);
            StringBuilder bulk = new StringBuilder();
            for (Object[] d : DOCUMENTS) {
                bulk.append("{\"index\":{\"_id\":\"").append(d[0]).append("\"}}\n");
                bulk.append("{\"body\":\"").append(d[1]).append("\",\"secret\":").append(d[2]).append("}\n");
            }
            Map<String, Object> r = admin("POST", "/" + index + "/_bulk?pipeline=" + COMPRESS + "&refresh=true", bulk.toString());
            assertEquals(r.toString(), false, r.get("errors"));
        }
        fixtures = true;
    }

    /**
     * Creates {@code index} (if absent) with docs/lloco-mapping.json plus {@code body} and {@code secret}: every field
     * the pipeline writes is mapped, so writers never need {@code indices:admin/mapping/put}.
     */
    void createLlocoIndex(String index) throws IOException {
        if (adminClient().performRequest(new Request("HEAD", "/" + index)).getStatusLine().getStatusCode() == 200) {
            return;
        }
        createFreshLlocoIndex(index);
    }

    /** {@link #createLlocoIndex}, deleting the index first if it exists (tests that count what they stored). */
    void createFreshLlocoIndex(String index) throws IOException {
        if (adminClient().performRequest(new Request("HEAD", "/" + index)).getStatusLine().getStatusCode() == 200) {
            admin("DELETE", "/" + index, null);
        }
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        Map<String, Object> m = XContentHelper.convertToMap(JsonXContent.jsonXContent, mapping, false);
        @SuppressWarnings("unchecked")
        Map<String, Object> props = (Map<String, Object>) ((Map<String, Object>) m.get("mappings")).get("properties");
        props.put("body", Map.of("type", "text"));
        props.put("secret", Map.of("type", "boolean"));
        m.put("settings", Map.of("number_of_shards", 1, "number_of_replicas", 0));
        admin("PUT", "/" + index, XContentFactory.jsonBuilder().map(m).toString());
    }

    static Map<String, Object> json(Response r) throws IOException {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    static Map<String, Object> call(User user, String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return json(user.perform(r));
    }

    /** As admin, through the framework's admin client. */
    static Map<String, Object> admin(String method, String path, String body) throws IOException {
        return call(new User(adminClient(), null), method, path, body);
    }

    /** The request fails with {@code status}; returns the response body. */
    static String fails(int status, User user, String method, String path, String body) throws IOException {
        ResponseException e = expectThrows(ResponseException.class, () -> call(user, method, path, body));
        String text = new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(text, status, e.getResponse().getStatusLine().getStatusCode());
        return text;
    }

    /** The {@code _id}s of a QA answer's {@code sources}. */
    @SuppressWarnings("unchecked")
    static List<String> sourceIds(Map<String, Object> answer) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) answer.get("sources")) {
            out.add((String) s.get("_id"));
        }
        return out;
    }

    /** A document's stored {@code lloco} object, read as admin. */
    @SuppressWarnings("unchecked")
    Map<String, Object> stored(String index, String id) throws IOException {
        Map<String, Object> src = (Map<String, Object>) admin("GET", "/" + index + "/_doc/" + id, null).get("_source");
        return (Map<String, Object>) src.get("lloco");
    }
}
