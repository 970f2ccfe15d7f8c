package io.selfalign.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.trainer.tokenize.ChatTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferenceDataTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void readsTextAndChatSeedPairs() throws IOException {
        Path f = write("seed.jsonl", """
                {"prompt": "Sort 3 1", "chosen": "1 3", "rejected": "3 1"}

                {"messages": [{"role": "user", "content": "Hi"}], "chosen": "Hello!", "rejected": "Go away."}
                """);
        List<SeedPreference> rows = PreferenceData.readSeed(f);
        assertEquals(2, rows.size());
        assertEquals("Sort 3 1", rows.get(0).prompt().text());
        assertTrue(rows.get(1).prompt().isChat());
        assertEquals(new ChatTemplate.Message("user", "Hi"), rows.get(1).prompt().messages().get(0));
        assertEquals(3, rows.get(1).line());
    }

    @Test
    void promptSliceCountsRowsNotBlankLines() throws IOException {
        Path f = write("prompts.jsonl", "{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\"}\n{\"prompt\": \"c\"}\n{\"prompt\": \"d\"}\n");
        List<PromptRow> slice = PreferenceData.readPromptSlice(f, 1, 2);
        assertEquals(List.of("b", "c"), slice.stream().map(r -> r.prompt().text()).toList());
        assertEquals(1, slice.get(0).row());
        assertEquals(3, slice.get(0).line());
    }

    private String error(Runnable r) {
        return assertThrows(InputException.class, r::run).getMessage();
    }

    @Test
    void everyBadRowIsNamedByFileAndLine() throws IOException {
        Path malformed = write("a.jsonl", "{\"prompt\": \"x\", \"chosen\": \"y\", \"rejected\": \"z\"}\n{\"prompt\": \"x\", \"chosen\": \n");
        assertTrue(error(() -> PreferenceData.readSeed(malformed)).startsWith(malformed + ":2: malformed JSON"));
        Path missing = write("b.jsonl", "{\"prompt\": \"x\", \"chosen\": \"y\"}\n");
        assertEquals(missing + ":1: missing field 'rejected'", error(() -> PreferenceData.readSeed(missing)));
        Path notString = write("c.jsonl", "{\"prompt\": 3, \"chosen\": \"y\", \"rejected\": \"z\"}\n");
        assertEquals(notString + ":1: field 'prompt' must be a string", error(() -> PreferenceData.readSeed(notString)));
        Path both = write("d.jsonl", "{\"prompt\": \"x\", \"messages\": [], \"chosen\": \"y\", \"rejected\": \"z\"}\n");
        assertEquals(both + ":1: give either 'prompt' or 'messages', not both", error(() -> PreferenceData.readSeed(both)));
        Path badMessage = write("e.jsonl", "{\"messages\": [{\"role\": \"user\"}]}\n");
        assertEquals(badMessage + ":1: messages[0]: missing field 'content'", error(() -> PreferenceData.readPromptSlice(badMessage, 0, 1)));
        Path array = write("f.jsonl", "[1, 2]\n");
        assertEquals(array + ":1: expected a JSON object", error(() -> PreferenceData.readPromptSlice(array, 0, 1)));
        Path emptyChosen = write("g.jsonl", "{\"prompt\": \"x\", \"chosen\": \"\", \"rejected\": \"z\"}\n");
        assertEquals(emptyChosen + ":1: field 'chosen' is empty", error(() -> PreferenceData.readSeed(emptyChosen)));
    }

    @Test
    void missingEmptyAndShortFilesAreInputErrors() throws IOException {
        Path none = dir.resolve("none.jsonl");
        assertEquals(none + ": file not found", error(() -> PreferenceData.readSeed(none)));
        Path empty = write("empty.jsonl", "\n");
        assertEquals(empty + ": no preference pairs (data.seedPreferences)", error(() -> PreferenceData.readSeed(empty)));
        // The same format as held-out pairs: the error names the field that gave the file.
        assertEquals(empty + ": no preference pairs (data.validationPreferences)",
                error(() -> PreferenceData.readPairs(empty, "data.validationPreferences")));
        Path two = write("two.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n");
        assertEquals(two + ": has 2 prompt rows, but this iteration needs rows 1..3 (data.promptOffset 1, data.promptCount 3)",
                error(() -> PreferenceData.readPromptSlice(two, 1, 3)));
    }

    @Test
    void invalidUtf8IsNamed() throws IOException {
        Path f = dir.resolve("bin.jsonl");
        Files.write(f, new byte[] {'{', '"', 'p', '"', ':', '"', (byte) 0xff, '"', '}', '\n'});
        assertTrue(error(() -> PreferenceData.readPromptSlice(f, 0, 1)).contains("not valid UTF-8"));
    }

    @Test
    void anInvalidByteFarIntoTheFileIsReportedOnItsOwnLine() throws IOException {
        // 299 good rows, then one with a lone 0xff: a reader that decodes ahead blamed an earlier line.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < 300; i++) bytes.writeBytes(("{\"prompt\": \"row " + i + " padding padding padding\"}\n").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xff, '"', '}', '\n'});
        bytes.writeBytes("{\"prompt\": \"after\"}\r\n".getBytes(StandardCharsets.UTF_8));
        Path f = Files.write(dir.resolve("late.jsonl"), bytes.toByteArray());
        assertEquals(f + ":300: not valid UTF-8", error(() -> PreferenceData.readPromptSlice(f, 0, 301)));
        assertEquals(f + ":300: not valid UTF-8", error(() -> Jsonl.countRows(f)));
        assertEquals(299, PreferenceData.readPromptSlice(f, 0, 299).size(), "rows before the bad line still read");
    }
}
