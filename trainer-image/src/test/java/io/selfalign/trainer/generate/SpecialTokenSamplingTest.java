package io.selfalign.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.selfalign.trainer.keysort.KeySortFiles;
import io.selfalign.trainer.keysort.KeySortModel;
import io.selfalign.trainer.keysort.KeySortVocab;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A KeySort checkpoint (pad, BOS and separator are special tokens, EOS ends a response): the model's generator never
 * samples pad, BOS or the separator, and a response's text encodes back to its ids.
 */
class SpecialTokenSamplingTest {
    @TempDir
    Path dir;

    @Test
    void padBosAndSeparatorAreNeverSampledAndTextMatchesTheIds() throws Exception {
        try (DecoderModel model = DecoderModel.random(KeySortModel.config(), Device.cpu(), 5)) {
            Checkpoint.save(model, dir);
        }
        KeySortFiles.writeTokenizer(dir);
        KeySortFiles.writeGenerationConfig(dir);
        try (LanguageModel lm = LanguageModel.load(dir, ComputeDevice.cpu())) {
            assertEquals(Set.of((long) KeySortVocab.PAD, (long) KeySortVocab.BOS, (long) KeySortVocab.SEP), lm.bannedIds());
            List<long[]> prompts = new ArrayList<>();
            for (int i = 0; i < 64; i++) prompts.add(lm.tokenizer().encode("<s> k05 k09 k07 <sep>", false));
            // A fresh random model is close to uniform over the 36 tokens: 3/36 of unbanned draws would be these ids.
            List<long[]> out = lm.generator().generate(prompts, SamplingParams.sample(1.5, 1.0, 0, 12, 64), 1);
            int sampled = 0;
            for (long[] tokens : out) {
                sampled += tokens.length;
                for (long t : tokens) assertFalse(lm.bannedIds().contains(t), "sampled " + t + " in " + Arrays.toString(tokens));
                boolean eos = tokens.length > 0 && tokens[tokens.length - 1] == KeySortVocab.EOS;
                assertArrayEquals(eos ? Arrays.copyOf(tokens, tokens.length - 1) : tokens,
                        lm.tokenizer().encode(lm.responseText(tokens), false), lm.responseText(tokens));
            }
            assertTrue(sampled > 200, "enough tokens to have met a banned id by chance: " + sampled);
        }
    }
}
