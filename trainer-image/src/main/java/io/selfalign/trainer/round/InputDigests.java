package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PreferenceData;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.files.FileManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SHA-256 of each input a round reads, by its spec path ({@link io.selfalign.api.round.RoundResult#inputDigests}):
 * a round's identity is its spec and the content of these inputs. The seed and validation preference files are
 * digested whole; the prompts as the slice of rows the round uses, so rows appended for later iterations do not
 * make earlier rounds compute again. Models are not here: their manifests cover them ({@link CheckpointIntegrity}).
 */
final class InputDigests {
    /** The digest of an input that is no longer there or can no longer be read as the spec says. */
    static final String UNREADABLE = "unreadable";

    private InputDigests() {}

    static Map<String, String> of(RoundSpec spec, RoundPaths paths) throws IOException {
        Map<String, String> digests = new LinkedHashMap<>();
        RoundSpec.Data d = spec.data();
        if (d.seedPreferences() != null) digests.put(d.seedPreferences(), file(paths.local(d.seedPreferences())));
        if (d.prompts() != null && d.promptCount() >= 1) {
            String key = d.prompts() + " rows " + d.promptOffset() + ".." + (d.promptOffset() + d.promptCount() - 1);
            digests.put(key, slice(paths.local(d.prompts()), d.promptOffset(), d.promptCount()));
        }
        if (d.validationPreferences() != null) digests.put(d.validationPreferences(), file(paths.local(d.validationPreferences())));
        return digests;
    }

    /**
     * The first input whose digest differs from what the finished round recorded, as a log line; empty when none
     * does. A result without digests (written before they were recorded) counts as matching: it is reused as it
     * was before, rather than every old round being computed again.
     */
    static Optional<String> firstChange(Map<String, String> recorded, Map<String, String> current, int iteration) {
        if (recorded == null) return Optional.empty();
        for (Map.Entry<String, String> e : current.entrySet()) {
            String before = recorded.get(e.getKey());
            if (!e.getValue().equals(before)) {
                return Optional.of(e.getKey() + " changed since iteration " + iteration + " finished (sha256 " + abbreviated(before)
                        + "…→" + abbreviated(e.getValue()) + "…)");
            }
        }
        return Optional.empty();
    }

    private static String file(Path f) throws IOException {
        return Files.isRegularFile(f) ? FileManifest.sha256(f) : UNREADABLE;
    }

    /** SHA-256 over the slice's rows as the round reads them (row index and prompt, text or chat messages). */
    private static String slice(Path file, long offset, long count) {
        List<PromptRow> rows;
        try {
            rows = PreferenceData.readPromptSlice(file, offset, count);
        } catch (InputException e) {
            return UNREADABLE;
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
        for (PromptRow r : rows) digest.update((r.row() + "\t" + r.prompt() + "\n").getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String abbreviated(String hex) {
        return hex == null ? "none" : hex.substring(0, Math.min(12, hex.length()));
    }
}
