package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeySortFilesTest {
    private static final KeySortSizes TINY = new KeySortSizes(50, 10, new int[] {7, 8, 9}, 11);

    @Test
    void djlLoadsTheTokenizerAndItRoundTripsPromptsAndResponses(@TempDir Path dir) throws Exception {
        KeySortFiles.writeTokenizer(dir);
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(dir)) {
            Encoding prompt = tok.encode("<s> k09 k05 k35 <sep>", false, false);
            assertArrayEquals(new long[] {1, 9, 5, 35, 2}, prompt.getIds());
            Encoding response = tok.encode("k05 k09 k35", false, false);
            assertArrayEquals(new long[] {5, 9, 35}, response.getIds());
            assertEquals("k05 k09", tok.decode(new long[] {5, 9, 3}, true));
            assertEquals("k05 k09 </s>", tok.decode(new long[] {5, 9, 3}, false));
        }
        for (int id = 0; id < KeySortVocab.SIZE; id++) assertEquals(id, KeySortVocab.id(KeySortVocab.text(id)));
    }

    @Test
    void generatorIsDeterministicPerSeedAndSlicesAreSized() {
        var a = KeySortGenerator.generate(KeySortTask.KEYSORT, TINY, 7);
        var b = KeySortGenerator.generate(KeySortTask.KEYSORT, TINY, 7);
        var c = KeySortGenerator.generate(KeySortTask.KEYSORT, TINY, 8);
        assertEquals(flatten(a), flatten(b));
        assertTrue(!flatten(a).equals(flatten(c)), "another seed gives other data");
        assertEquals(50, a.sft().size());
        assertEquals(10, a.seedPairs().size());
        assertEquals(24, a.iterationPrompts().size());
        assertEquals(11, a.test().size());
        assertEquals(7, TINY.sliceOffset(2));
        assertEquals(15, TINY.sliceOffset(3));
        for (var d : a.sft()) {
            assertTrue(d.keys().length >= 2 && d.keys().length <= 5);
            assertTrue(d.response().length >= 1 && d.response().length <= 9);
        }
    }

    @Test
    void goldLabelsPreferTheBetterResponseMostOfTheTime() {
        var data = KeySortGenerator.generate(KeySortTask.KEYSORT, new KeySortSizes(1, 2_000, new int[] {1}, 1), 3);
        int agree = 0;
        int decided = 0;
        for (var p : data.pool()) {
            double rc = GoldReward.score(p.keys(), p.chosen(), true);
            double rr = GoldReward.score(p.keys(), p.rejected(), true);
            if (GoldReward.tie(rc, rr)) continue;
            decided++;
            if (rc > rr) agree++;
        }
        // σ(Δ/0.25) at the teacher's |Δ| ≈ 0.77 (ties excluded) gives ≈ 90% agreement
        double rate = (double) agree / decided;
        assertTrue(rate > 0.85 && rate < 0.95, "gold label agreement " + rate);
    }

    @Test
    void writesTheRunFormats(@TempDir Path dir) throws Exception {
        var data = KeySortGenerator.generate(KeySortTask.KEYSORT, TINY, 1);
        KeySortFiles.writeData(data, dir);
        ObjectMapper json = new ObjectMapper();
        List<String> seed = Files.readAllLines(dir.resolve(KeySortFiles.SEED));
        assertEquals(10, seed.size());
        JsonNode row = json.readTree(seed.get(0));
        assertEquals(List.of("prompt", "chosen", "rejected"), iterable(row));
        var first = data.seedPairs().get(0);
        assertEquals(first.prompt(), row.get("prompt").asText());
        assertEquals(KeySortVocab.join(first.chosen()), row.get("chosen").asText());
        List<String> prompts = Files.readAllLines(dir.resolve(KeySortFiles.PROMPTS));
        assertEquals(24, prompts.size());
        assertEquals(KeySortVocab.promptText(data.iterationPrompts().get(0)), json.readTree(prompts.get(0)).get("prompt").asText());
        assertEquals(11, Files.readAllLines(dir.resolve(KeySortFiles.TEST)).size());
        List<String> all = Files.readAllLines(dir.resolve(KeySortFiles.ALL_GOLD));
        assertEquals(34, all.size());
        // the last slice's last prompts are held out: min(200, last slice / 2) pairs, the rest is the 100% arm's gold
        int held = TINY.validationPairs();
        assertTrue(held >= 1, "validation pairs " + held);
        assertEquals(all.subList(34 - held, 34), Files.readAllLines(dir.resolve(KeySortFiles.VALIDATION)));
        assertEquals(all.subList(0, 34 - held), Files.readAllLines(dir.resolve(KeySortFiles.TRAINING_GOLD)));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".tmp-")));
        }
    }

    private static List<String> iterable(JsonNode row) {
        List<String> names = new java.util.ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String flatten(KeySortGenerator.Data d) {
        StringBuilder sb = new StringBuilder();
        d.sft().forEach(x -> sb.append(x.prompt()).append('|').append(KeySortVocab.join(x.response())).append('\n'));
        d.pool().forEach(x -> sb.append(x.prompt()).append('|').append(KeySortVocab.join(x.chosen())).append('|')
                .append(KeySortVocab.join(x.rejected())).append('\n'));
        d.test().forEach(x -> sb.append(KeySortVocab.promptText(x)).append('\n'));
        return sb.toString();
    }
}
