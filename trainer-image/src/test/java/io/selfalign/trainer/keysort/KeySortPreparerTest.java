package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few SFT steps on a tiny instance: the loss falls and the base model directory loads back. */
class KeySortPreparerTest {
    @Test
    void preparesDataAndATrainedBaseModelThatLoadsBack(@TempDir Path workspace) throws Exception {
        KeySortSizes sizes = new KeySortSizes(512, 8, new int[] {8, 8}, 8);
        SftTrainer.Options options = new SftTrainer.Options(3e-3, 32, 2, 0.05, 1.0, 0);
        KeySortPreparer.Prepared p = KeySortPreparer.prepare(workspace, KeySortTask.KEYSORT, sizes, 0, options, System.err);

        assertEquals(32, p.sft().steps());
        // from ln(36) ≈ 3.58 at random init to the demonstrations' structure
        assertTrue(p.sft().finalLoss() < p.sft().firstLoss() - 0.5, p.sft().toString());
        for (String f : new String[] {"seed.jsonl", "prompts.jsonl", "test.jsonl"}) {
            assertTrue(Files.exists(workspace.resolve("data/keysort").resolve(f)), f);
        }
        Path model = workspace.resolve("models/keysort-sft");
        assertEquals(p.modelDir(), model);
        assertFalse(Files.exists(workspace.resolve("models/keysort-sft.tmp")));
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            assertTrue(Files.exists(model.resolve(f)), f);
        }
        try (DecoderModel loaded = Checkpoint.load(model, Device.cpu());
             HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(model)) {
            assertEquals(KeySortModel.config(), loaded.config());
            assertEquals(4, tok.encode("<s> k04 k35 <sep>", false, false).getIds().length);
        }
    }
}
