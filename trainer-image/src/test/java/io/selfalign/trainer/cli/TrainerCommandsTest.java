package io.selfalign.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** generate and score on the tiny-llama fixture, and the one-line exit-78 answer to bad input. */
class TrainerCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = TrainerMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private List<JsonNode> readRows(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    void generateGreedyMatchesTransformers() throws Exception {
        JsonNode expected = Fixtures.expected("tiny-llama");
        Path prompts = tmp.resolve("p.jsonl");
        StringBuilder sb = new StringBuilder();
        expected.get("prompts").forEach(p -> sb.append("{\"prompt\": ").append(p.toString()).append("}\n"));
        sb.append("{\"messages\": [{\"role\": \"user\", \"content\": \"sort list 3 1 2\"}]}\n");
        Files.writeString(prompts, sb);
        Path out = tmp.resolve("out.jsonl");
        assertEquals(0, run("generate", "--model", Fixtures.dir("tiny-llama").toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--greedy", "--max-new-tokens", "12", "--batch-size", "3"), err.toString());
        List<JsonNode> rows = readRows(out);
        assertEquals(5, rows.size());
        for (int i = 0; i < 4; i++) {
            // transformers generated without stopping; these continuations contain no EOS (id 2).
            assertArrayEquals(Fixtures.longs(expected.get("greedy").get(i).get("output_ids")),
                    Fixtures.longs(rows.get(i).get("token_ids")));
            assertEquals("length", rows.get(i).get("finish_reason").asText());
            // transformers decoded with special tokens kept, and so do completions: the text encodes back to the ids.
            assertEquals(expected.get("decoded_greedy").get(i).asText(), rows.get(i).get("completion").asText());
        }
        assertEquals(4, rows.get(4).get("index").asInt());
    }

    @Test
    void scoreMatchesTransformersSequenceLogProbs() throws Exception {
        JsonNode expected = Fixtures.expected("tiny-llama");
        Path pairs = tmp.resolve("pairs.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            sb.append(JSON.createObjectNode().put("prompt", expected.get("prompts").get(i).asText())
                    .put("response", expected.get("responses").get(i).asText())).append('\n');
        }
        sb.append(JSON.createObjectNode().put("prompt", "why is it good").put("chosen", " yes").put("rejected", " no"))
                .append('\n');
        Files.writeString(pairs, sb);
        Path out = tmp.resolve("scores.jsonl");
        assertEquals(0, run("score", "--model", Fixtures.dir("tiny-llama").toString(), "--pairs", pairs.toString(),
                "--out", out.toString(), "--no-eos", "--batch-size", "2"), err.toString());
        List<JsonNode> rows = readRows(out);
        for (int i = 0; i < 4; i++) {
            JsonNode want = expected.get("sequence_logps").get(i);
            assertEquals(want.get("response_logp").asDouble(), rows.get(i).get("logp").asDouble(), 1e-3);
            assertEquals(want.get("response_tokens").asInt(), rows.get(i).get("tokens").asInt());
        }
        assertEquals(rows.get(2).get("logp").asDouble(), rows.get(4).get("chosen_logp").asDouble(), 1e-4);
        assertTrue(rows.get(4).has("rejected_mean_logp"));

        // With EOS appended (the default), one more token and a lower log-prob.
        Path withEos = tmp.resolve("eos.jsonl");
        assertEquals(0, run("score", "--model", Fixtures.dir("tiny-llama").toString(), "--pairs", pairs.toString(),
                "--out", withEos.toString()));
        JsonNode first = readRows(withEos).get(0);
        assertEquals(rows.get(0).get("tokens").asInt() + 1, first.get("tokens").asInt());
        assertTrue(first.get("logp").asDouble() < rows.get(0).get("logp").asDouble());
    }

    @Test
    void badInputIsOneLineAndExit78WithNothingWritten() throws Exception {
        String model = Fixtures.dir("tiny-llama").toString();
        Path out = tmp.resolve("out.jsonl");
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"ok\"}\n{\"prompt\": oops}\n");
        assertExit78("bad.jsonl:2: malformed JSON", "generate", "--model", model, "--prompts", bad.toString(), "--out", out.toString());
        Path missingField = tmp.resolve("nofield.jsonl");
        Files.writeString(missingField, "\n{\"text\": \"x\"}\n");
        assertExit78("nofield.jsonl:2: missing field 'prompt'", "generate", "--model", model, "--prompts", missingField.toString(),
                "--out", out.toString());
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "\n");
        assertExit78("empty.jsonl: no rows", "score", "--model", model, "--pairs", empty.toString(), "--out", out.toString());
        assertExit78("missing.jsonl: file not found", "generate", "--model", model, "--prompts",
                tmp.resolve("missing.jsonl").toString(), "--out", out.toString());
        assertExit78("--greedy cannot be combined", "generate", "--model", model, "--prompts", bad.toString(),
                "--out", out.toString(), "--greedy", "--temperature", "0.5");
        Path good = tmp.resolve("good.jsonl");
        Files.writeString(good, "{\"prompt\": \"ok\"}\n");
        assertExit78("tokenizer.json: not found", "generate", "--model", tmp.toString(), "--prompts", good.toString(),
                "--out", out.toString());
        assertExit78("Missing required option", "score", "--model", model);
        assertFalse(Files.exists(out));
    }

    @Test
    void aRowLongerThanTheContextIsRefusedWithItsLineAndTheLimit() throws Exception {
        String model = Fixtures.dir("tiny-llama").toString();
        Path pairs = tmp.resolve("long.jsonl");
        // 2 MB of prompt: scoring it would allocate length x vocabulary logits; the fixture's context is 256 tokens.
        Files.writeString(pairs, "{\"prompt\": \"ok\", \"response\": \" yes\"}\n"
                + JSON.createObjectNode().put("prompt", "word ".repeat(400_000)).put("response", " yes") + "\n");
        Path out = tmp.resolve("out.jsonl");
        assertExit78("long.jsonl:2: prompt + response are ", "score", "--model", model, "--pairs", pairs.toString(), "--out", out.toString());
        assertTrue(err.toString().contains("more than the model's context of 256 (max_position_embeddings)"), err.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void aWordOutsideTheVocabularyIsNamedWithItsLine() throws Exception {
        // tiny-llama with KeySort's WordLevel tokenizer, whose unknown token is not in its vocabulary on purpose.
        Path model = Files.createDirectories(tmp.resolve("model"));
        for (String f : List.of("config.json", "model.safetensors", "generation_config.json")) {
            Files.copy(Fixtures.dir("tiny-llama").resolve(f), model.resolve(f));
        }
        io.selfalign.trainer.keysort.KeySortFiles.writeTokenizer(model);
        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"<s> k05 k04 <sep>\", \"chosen\": \"k04 k05\", \"rejected\": \"k05 k04\"}\n"
                + "{\"prompt\": \"<s> k05 k04 <sep>\", \"chosen\": \"k04 k05\", \"rejected\": \"k05 Sorted\"}\n");
        Path out = tmp.resolve("out.jsonl");
        assertExit78("pairs.jsonl:2: the word 'Sorted' cannot be tokenized", "score", "--model", model.toString(),
                "--pairs", pairs.toString(), "--out", out.toString());
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"<s> k05 k04 <sep>\"}\n{\"prompt\": \"<s> sort k04 <sep>\"}\n");
        assertExit78("prompts.jsonl:2: the word 'sort' cannot be tokenized", "generate", "--model", model.toString(),
                "--prompts", prompts.toString(), "--out", out.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void anOutputUnderARegularFileIsNamedWithItsOption() throws Exception {
        String model = Fixtures.dir("tiny-llama").toString();
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"ok\"}\n");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertExit78("--out: " + file.resolve("out.jsonl") + ": " + file + " is a file, not a directory",
                "generate", "--model", model, "--prompts", prompts.toString(), "--out", file.resolve("out.jsonl").toString());
        assertExit78("--out: " + tmp + " is a directory", "generate", "--model", model, "--prompts", prompts.toString(), "--out", tmp.toString());
        assertExit78("--workspace: " + file + ": is a file, not a directory", "keysort", "prepare", "--quick", "--workspace", file.toString());
        assertExit78("--workspace: " + file.resolve("ws") + ": " + file + " is a file", "keysort", "prepare", "--quick",
                "--workspace", file.resolve("ws").toString());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void plainProgressHasNoTerminalCodes() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var bar = Progress.bar("score", 3, "seq", new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), false)) {
            bar.stepTo(3);
        }
        String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("score") && text.contains("3/3"), text);
        assertFalse(text.contains("\u001b") || text.contains("\r"), "no ANSI escape or carriage return: " + text.replace("\u001b", "ESC"));
    }

    private void assertExit78(String expectedMessage, String... args) {
        err.getBuffer().setLength(0);
        assertEquals(78, run(args));
        String text = err.toString().strip();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("error: ") && text.contains(expectedMessage), text);
    }
}
