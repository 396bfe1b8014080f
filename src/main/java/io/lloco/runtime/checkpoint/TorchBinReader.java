package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads PyTorch {@code torch.save} zip-pickle state dicts ({@code pytorch_model.bin}) without executing
 * arbitrary pickle code. PLACEHOLDER: being implemented (issue 3); replace this whole class.
 */
public final class TorchBinReader {
    private TorchBinReader() {}

    /** Opens one {@code .bin} file. */
    public static TensorSource open(Path file) throws IOException {
        throw new CheckpointException("PyTorch .bin checkpoints are not supported yet: " + file);
    }
}
