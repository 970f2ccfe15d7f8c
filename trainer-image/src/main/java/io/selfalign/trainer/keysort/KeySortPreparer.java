package io.selfalign.trainer.keysort;

import ai.djl.Device;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Everything a KeySort run needs in a workspace: the data files under {@code data/keysort/} and the SFT
 * base model, trained from a fresh random init, under {@code models/keysort-sft/} (Hugging Face layout).
 */
public final class KeySortPreparer {
    private static final int EVAL_BATCH = 256;

    private KeySortPreparer() {}

    /** {@code <workspace>/models/<task>-sft}, e.g. {@code models/keysort-sft}. */
    public static Path baseModelDir(Path workspace, KeySortTask task) {
        return workspace.resolve("models").resolve(task.label() + "-sft");
    }

    /**
     * @param sft           the SFT report, or null when an existing base model was reused
     * @param sampledReward mean gold reward of the base model's T=0.7 samples on the test prompts
     * @param greedyReward  the same for its greedy responses
     */
    public record Prepared(KeySortGenerator.Data data, Path dataDir, Path modelDir, SftTrainer.Report sft,
                           double sampledReward, double greedyReward) {}

    /**
     * Writes the data and trains the base model. The model directory appears complete or not at all: it is
     * built under a temporary name and renamed.
     */
    public static Prepared prepare(Path workspace, KeySortTask task, KeySortSizes sizes, long seed, SftTrainer.Options sft, PrintStream progress)
            throws IOException {
        KeySortGenerator.Data data = KeySortGenerator.generate(task, sizes, seed);
        Path dataDir = KeySortFiles.dataDir(workspace, task);
        KeySortFiles.writeData(data, dataDir);
        if (progress != null) progress.println(task.label() + ": wrote " + sizes + " (seed " + seed + ") to " + dataDir);

        Path modelDir = baseModelDir(workspace, task);
        Path tmp = modelDir.resolveSibling(modelDir.getFileName() + ".tmp");
        deleteRecursively(tmp);
        SftTrainer.Report report;
        double sampled;
        double greedy;
        try (DecoderModel model = DecoderModel.random(KeySortModel.config(), Device.cpu(), seed)) {
            if (progress != null) {
                progress.printf("keysort: SFT of a %,d-parameter model on %,d demonstrations%n",
                        model.config().parameterCount(), data.sft().size());
            }
            report = SftTrainer.train(model, data.sft(), sft, progress);
            Checkpoint.save(model, tmp);
            sampled = KeySortSampler.meanGoldReward(task, data.test(), KeySortSampler.sample(model, data.test(), 0.7, EVAL_BATCH, seed));
            greedy = KeySortSampler.meanGoldReward(task, data.test(), KeySortSampler.sample(model, data.test(), 0, EVAL_BATCH, seed));
        }
        KeySortFiles.writeTokenizer(tmp);
        KeySortFiles.writeGenerationConfig(tmp);
        deleteRecursively(modelDir);
        Files.move(tmp, modelDir, StandardCopyOption.ATOMIC_MOVE);
        if (progress != null) {
            progress.printf("keysort: SFT loss %.4f → %.4f in %d steps, %.0f s; base model in %s%n",
                    report.firstLoss(), report.finalLoss(), report.steps(), report.seconds(), modelDir);
            progress.printf("keysort: base model mean gold reward on %d test prompts: %.3f sampled (T=0.7), %.3f greedy"
                    + " (teacher %.3f, ideal %.1f)%n", data.test().size(), sampled, greedy,
                    TeacherStats.simulate(task, data.test().size(), seed).meanReward(), task.maxReward());
        }
        return new Prepared(data, dataDir, modelDir, report, sampled, greedy);
    }

    /**
     * As {@link #prepare}, but keeps a base model that is already there (rewriting the data files, which
     * are cheap and deterministic): how a rerun of the benchmark resumes.
     */
    public static Prepared prepareIfMissing(Path workspace, KeySortTask task, KeySortSizes sizes, long seed, SftTrainer.Options sft,
                                            PrintStream progress) throws IOException {
        Path modelDir = baseModelDir(workspace, task);
        if (!Files.exists(modelDir.resolve("model.safetensors"))) return prepare(workspace, task, sizes, seed, sft, progress);
        KeySortGenerator.Data data = KeySortGenerator.generate(task, sizes, seed);
        Path dataDir = KeySortFiles.dataDir(workspace, task);
        KeySortFiles.writeData(data, dataDir);
        if (progress != null) progress.println("keysort: reusing the base model in " + modelDir);
        return new Prepared(data, dataDir, modelDir, null, Double.NaN, Double.NaN);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
