package io.selfalign.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Greedy decoding against transformers' {@code generate}, and the properties of sampling. */
class GeneratorFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void greedyEqualsTransformersAloneBatchedAndWithoutCache(String fixture) throws Exception {
        JsonNode greedy = Fixtures.expected(fixture).get("greedy");
        List<long[]> prompts = new ArrayList<>();
        List<long[]> want = new ArrayList<>();
        greedy.forEach(g -> {
            prompts.add(Fixtures.longs(g.get("prompt_ids")));
            want.add(Fixtures.longs(g.get("output_ids")));
        });
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu())) {
            Generator g = new Generator(model, 0, Set.of()); // transformers ran with eos_token_id=None
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(want.get(i), g.generate(List.of(prompts.get(i)), SamplingParams.greedy(12, 1), 0).get(0),
                        "prompt " + i + " alone");
            }
            List<long[]> batched = g.generate(prompts, SamplingParams.greedy(12, 4), 0);
            List<long[]> noCache = g.generate(prompts, SamplingParams.greedy(12, 4).withCache(false), 0);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(want.get(i), batched.get(i), "prompt " + i + " left-padded in a batch");
                assertArrayEquals(want.get(i), noCache.get(i), "prompt " + i + " without KV cache");
            }
        }
    }

    @Test
    void samplingIsReproducibleForASeedAndStopsAtEos() throws Exception {
        JsonNode greedy = Fixtures.expected("tiny-llama").get("greedy");
        List<long[]> prompts = new ArrayList<>();
        greedy.forEach(g -> prompts.add(Fixtures.longs(g.get("prompt_ids"))));
        try (DecoderModel model = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu())) {
            Generator free = new Generator(model, 0, Set.of());
            SamplingParams p = SamplingParams.sample(1.0, 0.9, 50, 16, 2);
            List<long[]> a = free.generate(prompts, p, 7);
            List<long[]> b = free.generate(prompts, p, 7);
            List<long[]> c = free.generate(prompts, p, 8);
            boolean differs = false;
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(a.get(i), b.get(i));
                differs |= !java.util.Arrays.equals(a.get(i), c.get(i));
                assertEquals(16, a.get(i).length);
            }
            assertTrue(differs, "another seed should give other samples");

            // top-k 1 is greedy whatever the temperature.
            List<long[]> top1 = free.generate(prompts, SamplingParams.sample(2.0, 1.0, 1, 12, 4), 3);
            List<long[]> arg = free.generate(prompts, SamplingParams.greedy(12, 4), 3);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(arg.get(i), top1.get(i));
            }

            // Declaring the third greedy token of prompt 0 an EOS stops that sequence there, EOS kept.
            long[] full = arg.get(0);
            Generator stopping = new Generator(model, 0, Set.of(full[2]));
            long[] stopped = stopping.generate(List.of(prompts.get(0)), SamplingParams.greedy(12, 1), 0).get(0);
            assertArrayEquals(java.util.Arrays.copyOf(full, 3), stopped);
            assertNotEquals(full.length, stopped.length);
        }
    }

    @Test
    void aListSampledInBatchAlignedPiecesSamplesLikeTheWholeList() throws Exception {
        JsonNode greedy = Fixtures.expected("tiny-llama").get("greedy");
        List<long[]> prompts = new ArrayList<>();
        greedy.forEach(g -> prompts.add(Fixtures.longs(g.get("prompt_ids"))));
        try (DecoderModel model = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu())) {
            Generator g = new Generator(model, 0, Set.of());
            SamplingParams p = SamplingParams.sample(1.0, 1.0, 0, 10, 2);
            List<long[]> whole = g.generate(prompts.subList(0, 4), p, 5);
            // Piece 2 first: a piece must not depend on what was sampled before it in the process.
            List<long[]> second = g.generate(prompts.subList(2, 4), p, 5, 2, done -> { });
            List<long[]> first = g.generate(prompts.subList(0, 2), p, 5, 0, done -> { });
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(whole.get(i), first.get(i), "sequence " + i);
                assertArrayEquals(whole.get(2 + i), second.get(i), "sequence " + (2 + i));
            }
        }
    }
}
