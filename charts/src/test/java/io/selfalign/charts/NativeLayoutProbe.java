package io.selfalign.charts;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run in a child JVM with the trainer image's environment: loads PyTorch through DJL, does one op,
 * and tokenizes with the HF tokenizers library — the two native libraries the trainer needs.
 */
public final class NativeLayoutProbe {
    private NativeLayoutProbe() {}

    public static void main(String[] args) throws Exception {
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = NDManager.newBaseManager()) {
            float sum = manager.arange(4f).sum().getFloat();
            System.out.println("engine=" + engine.getEngineName() + " version=" + engine.getVersion() + " sum=" + sum);
        }
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(Path.of(args[0]))) {
            System.out.println("ids=" + Arrays.toString(tokenizer.encode("hello world").getIds()));
        }
    }
}
