package io.selfalign.trainer.bench;

import io.selfalign.trainer.files.AtomicWrite;
import io.selfalign.trainer.keysort.KeySortFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The held-out gold pairs that measure the judge ({@code data.validationPreferences}), carved from the KeySort
 * pool: the last {@code pairs} rows of {@code all-gold.jsonl}, i.e. the gold pairs of the last iteration slice's
 * last prompts. No arm trains on them: the 100% arm reads {@link #trainingGold} (the pool without them) and the
 * last SPA iteration's prompt slice ends before them ({@link #slices}).
 *
 * <p>Both files are derived from {@code all-gold.jsonl} on every run and rewritten only when their content
 * differs, so a resumed benchmark keeps the same split.
 */
record ValidationSplit(Path validation, Path trainingGold, int pairs) {
    static final String VALIDATION = "validation.jsonl";
    static final String TRAINING_GOLD = "all-gold-except-validation.jsonl";

    static ValidationSplit carve(Path dataDir, int[] slices, int pairs) throws IOException {
        int last = slices[slices.length - 1];
        if (pairs < 1 || pairs >= last) {
            throw new IllegalArgumentException("validation pairs: must be in 1.." + (last - 1) + " (below the last slice's " + last
                    + " prompts), got " + pairs);
        }
        Path pool = dataDir.resolve(KeySortFiles.ALL_GOLD);
        List<String> rows = Files.readAllLines(pool, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        int expected = Arrays.stream(slices).sum();
        if (rows.size() < expected) {
            throw new IOException(pool + ": " + rows.size() + " gold pairs, expected at least the " + expected + " of the slices");
        }
        int cut = rows.size() - pairs;
        ValidationSplit split = new ValidationSplit(dataDir.resolve(VALIDATION), dataDir.resolve(TRAINING_GOLD), pairs);
        writeIfChanged(split.validation, rows.subList(cut, rows.size()));
        writeIfChanged(split.trainingGold, rows.subList(0, cut));
        return split;
    }

    /** The iteration slices with the last one shortened by the validation pairs. */
    int[] slices(int[] poolSlices) {
        int[] s = poolSlices.clone();
        s[s.length - 1] -= pairs;
        return s;
    }

    private static void writeIfChanged(Path file, List<String> rows) throws IOException {
        byte[] bytes = (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8);
        if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), bytes)) return;
        AtomicWrite.write(file, bytes);
    }
}
