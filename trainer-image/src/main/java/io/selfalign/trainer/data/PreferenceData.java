package io.selfalign.trainer.data;

import java.nio.file.Path;
import java.util.List;

/** The round's two input formats: gold-labelled seed pairs and unlabeled prompts. */
public final class PreferenceData {
    private PreferenceData() {}

    /** Seed pairs: {@code {"prompt": str | "messages": [...], "chosen": str, "rejected": str}} per line. */
    public static List<SeedPreference> readSeed(Path file) {
        return readPairs(file, "data.seedPreferences");
    }

    /** Gold pairs in the seed format from the spec field {@code field}, which an empty file's error names. */
    public static List<SeedPreference> readPairs(Path file, String field) {
        List<SeedPreference> rows = Jsonl.readAll(file, (row, index, line) ->
                new SeedPreference(Jsonl.requirePrompt(row), Jsonl.requireString(row, "chosen"), Jsonl.requireString(row, "rejected"), line));
        if (rows.isEmpty()) throw new InputException(file + ": no preference pairs (" + field + ")");
        return rows;
    }

    /** Every prompt row: {@code {"prompt": str}} or {@code {"messages": [...]}} per line. */
    public static List<PromptRow> readPrompts(Path file) {
        List<PromptRow> rows = Jsonl.readAll(file, (row, index, line) -> new PromptRow(Jsonl.requirePrompt(row), index, line));
        if (rows.isEmpty()) throw new InputException(file + ": no rows");
        return rows;
    }

    /**
     * This iteration's prompts: rows [offset, offset + count) of the file. A slice that does not lie
     * wholly inside the file is an input error.
     */
    public static List<PromptRow> readPromptSlice(Path file, long offset, long count) {
        List<PromptRow> rows = Jsonl.read(file, offset, count, (row, index, line) -> new PromptRow(Jsonl.requirePrompt(row), index, line));
        if (rows.size() < count) {
            long available = Jsonl.countRows(file);
            throw new InputException(file + ": has " + available + " prompt rows, but this iteration needs rows " + offset + ".."
                    + (offset + count - 1) + " (data.promptOffset " + offset + ", data.promptCount " + count + ")");
        }
        return rows;
    }
}
