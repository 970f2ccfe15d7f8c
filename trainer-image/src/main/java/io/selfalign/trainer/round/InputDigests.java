package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundResult.FileDigest;
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
 * The SHA-256 of each input a round (or one shard of it) reads, by its spec path
 * ({@link io.selfalign.api.round.RoundResult#inputDigests}): a round's identity is its spec hash and the content of
 * these inputs. The seed and validation preference files are digested whole; the prompts as the slice of rows the
 * round uses, so rows appended for later iterations do not make earlier rounds compute again (the seed round, which
 * only checks the prompts, has none); each model the round loads by its files (the guidance model too), so a round
 * whose starting model was computed again is computed again too.
 */
final class InputDigests {
    /** The digest of an input that is no longer there or can no longer be read as the spec says. */
    static final String UNREADABLE = "unreadable";

    /** Marks a model's key: results written before models were digested have none, and are compared on their files. */
    static final String MODEL = " (model)";

    /** Marks the guidance model's key: results written before it was digested have none, and are compared without it. */
    static final String GUIDANCE = " (guidance)";

    private InputDigests() {}

    /** What round {@code spec} reads. */
    static Map<String, String> of(RoundSpec spec, RoundPaths paths) throws IOException {
        Map<String, String> digests = new LinkedHashMap<>();
        RoundSpec.Data d = spec.data();
        if (d.seedPreferences() != null) digests.put(d.seedPreferences(), file(paths.local(d.seedPreferences())));
        if (spec.iteration() >= 1) putPrompts(digests, d, d.promptOffset(), d.promptCount(), paths);
        if (d.validationPreferences() != null) digests.put(d.validationPreferences(), file(paths.local(d.validationPreferences())));
        digests.putAll(models(spec, paths));
        return digests;
    }

    /**
     * What shard {@code range} of round {@code spec} samples and judges from: its own prompt rows, the held-out pairs
     * when it chooses the judge's weight on them, and {@code models} ({@link #models}, digested once per pod).
     */
    static Map<String, String> ofShard(RoundSpec spec, ShardPlan.Range range, Map<String, String> models, RoundPaths paths)
            throws IOException {
        Map<String, String> digests = new LinkedHashMap<>();
        RoundSpec.Data d = spec.data();
        putPrompts(digests, d, d.promptOffset() + range.from(), range.size(), paths);
        if (spec.judge().choosesWeight(d)) digests.put(d.validationPreferences(), file(paths.local(d.validationPreferences())));
        digests.putAll(models);
        return digests;
    }

    /**
     * The models round {@code spec} loads: its policy; from iteration 1 on its judge's reference, and the base model
     * and the seed round's model (the direction it weighs) when it chooses the judge's weight on held-out pairs (against
     * the base model without a reference of its own); the previous round's guidance model when it starts from one.
     */
    static Map<String, String> models(RoundSpec spec, RoundPaths paths) throws IOException {
        Map<String, String> digests = new LinkedHashMap<>();
        RoundSpec.Paths p = spec.paths();
        digests.put(p.policyModel() + MODEL, model(paths.local(p.policyModel())));
        if (spec.iteration() >= 1 && p.judgeReference() != null) digests.putIfAbsent(p.judgeReference() + MODEL, model(paths.local(p.judgeReference())));
        if (spec.iteration() >= 1 && spec.judge().choosesWeight(spec.data())) {
            digests.putIfAbsent(p.baseModel() + MODEL, model(paths.local(p.baseModel())));
            if (p.directionModel() != null) digests.putIfAbsent(p.directionModel() + MODEL, model(paths.local(p.directionModel())));
        }
        if (spec.guided() && p.guidanceModel() != null) digests.put(p.guidanceModel() + GUIDANCE, model(paths.local(p.guidanceModel())));
        return digests;
    }

    /**
     * The first input whose digest differs from what was recorded when {@code what} finished (a round, a shard), as a
     * log line; empty when none does. A result without digests (written before they were recorded) counts as
     * matching: it is reused as it was before, rather than every old round being computed again; so do the models of
     * a result that recorded none, and the guidance model of one that recorded no guidance model.
     */
    static Optional<String> firstChange(Map<String, String> recorded, Map<String, String> current, String what) {
        if (recorded == null) return Optional.empty();
        boolean modelsRecorded = recorded.keySet().stream().anyMatch(k -> k.endsWith(MODEL));
        boolean guidanceRecorded = recorded.keySet().stream().anyMatch(k -> k.endsWith(GUIDANCE));
        for (Map.Entry<String, String> e : current.entrySet()) {
            if (!modelsRecorded && e.getKey().endsWith(MODEL)) continue;
            if (!guidanceRecorded && e.getKey().endsWith(GUIDANCE)) continue;
            String before = recorded.get(e.getKey());
            if (!e.getValue().equals(before)) {
                return Optional.of(e.getKey() + " changed since " + what + " finished (sha256 " + abbreviated(before)
                        + "…→" + abbreviated(e.getValue()) + "…)");
            }
        }
        return Optional.empty();
    }

    private static void putPrompts(Map<String, String> digests, RoundSpec.Data d, long offset, long count, RoundPaths paths) {
        if (d.prompts() == null || count < 1) return;
        digests.put(d.prompts() + " rows " + offset + ".." + (offset + count - 1), slice(paths.local(d.prompts()), offset, count));
    }

    private static String file(Path f) throws IOException {
        return Files.isRegularFile(f) ? FileManifest.sha256(f) : UNREADABLE;
    }

    /**
     * A model written by a round (policy or guidance model): SHA-256 over its files' entries in that round's manifest, which a round checks
     * against the files before it loads the model ({@link CheckpointIntegrity}), so the weights are not read twice. Any
     * other model (the base model), or one whose round recorded no manifest: over its files' digests, computed now.
     */
    private static String model(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return UNREADABLE;
        List<FileDigest> files = null;
        String name = String.valueOf(dir.getFileName());
        if ((RoundContract.MODEL_DIR.equals(name) || RoundContract.GUIDANCE_DIR.equals(name)) && dir.getParent() != null) {
            Optional<RoundResult> written = RoundOutput.at(dir.getParent()).finishedResult();
            if (written.isPresent() && written.get().manifest() != null) {
                String prefix = name + "/";
                files = written.get().manifest().stream().filter(f -> f.path().startsWith(prefix))
                        .map(f -> new FileDigest(f.path().substring(prefix.length()), f.size(), f.sha256())).toList();
            }
        }
        if (files == null) files = FileManifest.of(dir);
        MessageDigest digest = sha256();
        for (FileDigest f : files) digest.update((f.path() + "\t" + f.size() + "\t" + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 over the slice's rows as the round reads them (row index and prompt, text or chat messages). */
    private static String slice(Path file, long offset, long count) {
        List<PromptRow> rows;
        try {
            rows = PreferenceData.readPromptSlice(file, offset, count);
        } catch (InputException e) {
            return UNREADABLE;
        }
        MessageDigest digest = sha256();
        for (PromptRow r : rows) digest.update((r.row() + "\t" + r.prompt() + "\n").getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    private static String abbreviated(String hex) {
        return hex == null ? "none" : hex.substring(0, Math.min(12, hex.length()));
    }
}
