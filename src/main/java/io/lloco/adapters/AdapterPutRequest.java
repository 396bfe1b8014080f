/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;
import java.util.Base64;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentParser;

/**
 * {@code PUT /_plugins/lloco/adapters/{name}}: either {@code path} (a PEFT directory under the node's config
 * directory, relative to {@code config/lloco/adapters/}) or an upload ({@code adapter_config}: the
 * {@code adapter_config.json} object, {@code weights}: the weights file in base64, {@code weights_format}:
 * {@code safetensors} (default) or {@code bin}); optional {@code base_model} (default: the config's
 * {@code base_model_name_or_path} when it is a model of the node), {@code base_fingerprint} (must equal the base
 * model's), {@code template} (default: the directory's {@code lloco.json}) and {@code description}. Parsed strictly.
 */
public class AdapterPutRequest extends ActionRequest {

    /** Longest description. */
    public static final int MAX_DESCRIPTION = 1000;

    private static final ObjectParser<AdapterPutRequest, Void> PARSER = new ObjectParser<>("lloco_adapter_put", false, null);
    static {
        PARSER.declareString((r, v) -> r.path = v, new ParseField("path"));
        PARSER.declareObject((r, v) -> r.adapterConfig = v, (p, c) -> json(p), new ParseField("adapter_config"));
        PARSER.declareString((r, v) -> r.weights = decode(v), new ParseField("weights"));
        PARSER.declareString((r, v) -> r.weightsFormat = v, new ParseField("weights_format"));
        PARSER.declareString((r, v) -> r.baseModel = v, new ParseField("base_model"));
        PARSER.declareString((r, v) -> r.baseFingerprint = v, new ParseField("base_fingerprint"));
        PARSER.declareString((r, v) -> r.template = v, new ParseField("template"));
        PARSER.declareString((r, v) -> r.description = v, new ParseField("description"));
    }

    private final String name;
    private String path;
    private byte[] adapterConfig;
    private byte[] weights;
    private String weightsFormat = "safetensors";
    private String baseModel;
    private String baseFingerprint;
    private String template;
    private String description;

    /** An empty request for {@code name}. */
    public AdapterPutRequest(String name) {
        this.name = name;
    }

    /** Parses a body strictly (an unknown field is a 400 naming it). */
    public static AdapterPutRequest parse(String name, XContentParser parser) throws IOException {
        AdapterPutRequest r = new AdapterPutRequest(name);
        PARSER.parse(parser, r, null);
        return r;
    }

    private static byte[] json(XContentParser p) throws IOException {
        Map<String, Object> m = p.map();
        return BytesReference.toBytes(BytesReference.bytes(XContentFactory.jsonBuilder().map(m)));
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[weights] is not valid base64: " + e.getMessage(), e);
        }
    }

    /** Wire constructor. */
    public AdapterPutRequest(StreamInput in) throws IOException {
        super(in);
        name = in.readString();
        path = in.readOptionalString();
        adapterConfig = in.readBoolean() ? in.readByteArray() : null;
        weights = in.readBoolean() ? in.readByteArray() : null;
        weightsFormat = in.readString();
        baseModel = in.readOptionalString();
        baseFingerprint = in.readOptionalString();
        template = in.readOptionalString();
        description = in.readOptionalString();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(name);
        out.writeOptionalString(path);
        out.writeBoolean(adapterConfig != null);
        if (adapterConfig != null) {
            out.writeByteArray(adapterConfig);
        }
        out.writeBoolean(weights != null);
        if (weights != null) {
            out.writeByteArray(weights);
        }
        out.writeString(weightsFormat);
        out.writeOptionalString(baseModel);
        out.writeOptionalString(baseFingerprint);
        out.writeOptionalString(template);
        out.writeOptionalString(description);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        String problem = AdapterName.problem(name);
        if (problem != null) {
            e = addValidationError("invalid adapter name [" + name + "]: " + problem, e);
        }
        boolean upload = adapterConfig != null || weights != null;
        if (path != null && upload) {
            e = addValidationError("give either [path] or [adapter_config] and [weights], not both", e);
        } else if (path == null && upload == false) {
            e = addValidationError("give [path] (a PEFT directory under the node's config directory) or [adapter_config] and [weights]", e);
        } else if (upload && (adapterConfig == null || weights == null)) {
            e = addValidationError("an upload needs both [adapter_config] (the adapter_config.json object) and [weights] (base64)", e);
        }
        if ("safetensors".equals(weightsFormat) == false && "bin".equals(weightsFormat) == false) {
            e = addValidationError("[weights_format] must be [safetensors] or [bin], got [" + weightsFormat + "]", e);
        }
        if (description != null && description.length() > MAX_DESCRIPTION) {
            e = addValidationError("[description] is longer than " + MAX_DESCRIPTION + " characters", e);
        }
        if (baseModel != null && (baseModel.isEmpty() || baseModel.length() > 255 || baseModel.contains("/") || baseModel.contains(".."))) {
            e = addValidationError("[base_model] = [" + baseModel + "] is not a model id", e);
        }
        return e;
    }

    /** The adapter's name. */
    public String name() {
        return name;
    }

    /** The directory to register, or null for an upload. */
    public String path() {
        return path;
    }

    /** Sets {@link #path()}. */
    public AdapterPutRequest path(String p) {
        this.path = p;
        return this;
    }

    /** The uploaded adapter_config.json, or null. */
    public byte[] adapterConfig() {
        return adapterConfig;
    }

    /** The uploaded weights, or null. */
    public byte[] weights() {
        return weights;
    }

    /** Sets an upload. */
    public AdapterPutRequest upload(byte[] config, byte[] w, String format) {
        this.adapterConfig = config;
        this.weights = w;
        this.weightsFormat = format;
        return this;
    }

    /** {@code safetensors} or {@code bin}. */
    public String weightsFormat() {
        return weightsFormat;
    }

    /** The base model id, or null for the config's. */
    public String baseModel() {
        return baseModel;
    }

    /** Sets {@link #baseModel()}. */
    public AdapterPutRequest baseModel(String b) {
        this.baseModel = b;
        return this;
    }

    /** The base model fingerprint the adapter must match, or null. */
    public String baseFingerprint() {
        return baseFingerprint;
    }

    /** The template to register, or null. */
    public String template() {
        return template;
    }

    /** Sets {@link #template()}. */
    public AdapterPutRequest template(String t) {
        this.template = t;
        return this;
    }

    /** The description, or null. */
    public String description() {
        return description;
    }
}
