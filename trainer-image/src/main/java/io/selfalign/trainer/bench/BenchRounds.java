package io.selfalign.trainer.bench;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.keysort.KeySortSampler;
import io.selfalign.trainer.keysort.KeySortSizes;
import io.selfalign.trainer.keysort.KeySortVocab;
import java.nio.file.Path;

/**
 * The RoundSpecs of the benchmark's arms: the same contract a cluster run writes, with the paths of one
 * seed's bench workspace. Iteration 0 is the seed stage (DPO on gold pairs); iterations 1–3 are SPA rounds
 * on the prompt slices, judged against the SFT model.
 */
final class BenchRounds {
    private static final int MAX_PROMPT = 7; // BOS + at most 5 keys + SEP

    private final Path workspace;
    private final Path baseModel;
    private final Path seedFile;
    private final Path allGoldFile;
    private final Path promptsFile;
    private final KeySortSizes sizes;
    private final BenchSettings settings;
    private final long seed;

    BenchRounds(Path workspace, Path baseModel, Path dataDir, KeySortSizes sizes, BenchSettings settings, long seed) {
        this.workspace = workspace;
        this.baseModel = baseModel;
        this.seedFile = dataDir.resolve(io.selfalign.trainer.keysort.KeySortFiles.SEED);
        this.allGoldFile = dataDir.resolve(io.selfalign.trainer.keysort.KeySortFiles.ALL_GOLD);
        this.promptsFile = dataDir.resolve(io.selfalign.trainer.keysort.KeySortFiles.PROMPTS);
        this.sizes = sizes;
        this.settings = settings;
        this.seed = seed;
    }

    Path outputDir(Arm arm, int iteration) {
        return workspace.resolve("runs").resolve("bench").resolve(arm.dirName()).resolve("iter-" + iteration);
    }

    Path modelDir(Arm arm, int iteration) {
        return outputDir(arm, iteration).resolve("model");
    }

    /** The single DPO stage of {@link Arm#DPO_SEED} (200 gold pairs, 3 epochs) or {@link Arm#DPO_ALL} (the whole pool). */
    RoundSpec seedStage(Arm arm) {
        boolean all = arm == Arm.DPO_ALL;
        RoundSpec.Data data = new RoundSpec.Data(str(all ? allGoldFile : seedFile), str(promptsFile), 0, 0);
        return spec(arm, 0, baseModel, data, training("dpo", all ? settings.allGoldEpochs() : settings.seedEpochs(), 0, 0));
    }

    /**
     * SPA iteration k of an iterating arm, from {@code policy} (the previous iteration's model; the
     * DPO-seed model at k = 1). The seed pairs ride along so the round reports its judge's agreement with them.
     */
    RoundSpec iteration(Arm arm, int k, Path policy) {
        double alpha = arm == Arm.SPA_NO_REFINEMENT ? 0 : BenchSettings.ALPHA;
        double lambda = arm == Arm.SPA_NO_DND || arm == Arm.SPA_NO_REFINEMENT ? 0 : BenchSettings.lambda(k);
        RoundSpec.Data data = new RoundSpec.Data(str(seedFile), str(promptsFile), sizes.sliceOffset(k), sizes.sliceCount(k));
        return spec(arm, k, policy, data, training("spa", 1, alpha, lambda));
    }

    private RoundSpec spec(Arm arm, int iteration, Path policy, RoundSpec.Data data, RoundSpec.Training training) {
        RoundSpec.Paths paths = new RoundSpec.Paths(str(workspace), str(baseModel), str(policy), str(baseModel),
                str(outputDir(arm, iteration)));
        RoundSpec.Generation generation = new RoundSpec.Generation(2, BenchSettings.TEMPERATURE, 1.0, 0,
                KeySortSampler.MAX_NEW_TOKENS, settings.evalBatch());
        return new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("bench", arm.dirName(), "seed-" + seed),
                iteration, settings.iterations(), seed, paths, data, generation, new RoundSpec.Judge("initial", settings.judgeScore(), false),
                training, new RoundSpec.Runtime("cpu", "float32", 0, null));
    }

    private RoundSpec.Training training(String loss, int epochs, double alpha, double lambda) {
        return new RoundSpec.Training(loss, BenchSettings.BETA, settings.learningRate(), epochs, BenchSettings.BATCH,
                BenchSettings.BATCH, BenchSettings.WARMUP_RATIO, "cosine", KeySortVocab.CONTEXT, MAX_PROMPT, 0.0, 1.0, 0.0,
                0.5, 0.1, new RoundSpec.Refinement(alpha, BenchSettings.NOISY_FRACTION, BenchSettings.WINDOW,
                BenchSettings.REFINEMENT_WARMUP, lambda));
    }

    private static String str(Path p) {
        return p.toAbsolutePath().toString();
    }
}
