package io.selfalign.trainer.bench;

import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.JudgeSelection;
import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.RoundSpecFactory;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.DataSpec;
import io.selfalign.api.v1alpha1.ModelSpec;
import io.selfalign.api.v1alpha1.GuidanceSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.trainer.keysort.KeySortFiles;
import io.selfalign.trainer.keysort.KeySortSampler;
import io.selfalign.trainer.keysort.KeySortSizes;
import io.selfalign.trainer.keysort.KeySortVocab;
import io.selfalign.trainer.round.RoundPaths;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmark's arms as the AlignmentRuns a user would write for them, turned into rounds by the same
 * {@link RoundSpecFactory} the operator uses, on one seed's bench workspace. Iteration 0 is the seed
 * stage (DPO on gold pairs); iterations 1–3 are SPA rounds on the prompt slices, judged against the SFT model.
 *
 * <p>Two departures from a run, both to compare arms on equal footing: every iterating arm starts from the
 * one DPO-seed model (its iteration 0 would be the same round), and every round of a seed uses that seed
 * as it is (a run uses seed + k), which is how the published tables were made.
 */
final class BenchRounds {
    private static final int MAX_PROMPT = 7; // BOS + at most 5 keys + SEP
    /**
     * Samples per prompt of the arms that pick from more than two: equal-length pairing needs them to find an
     * equal-length pair at most prompts; the reference-free judge is accurate enough that best-of-4 against
     * worst-of-4 widens the pair's true gap instead of its judging error (benchmark-alignment.md).
     */
    private static final int BEST_OF_SAMPLES = 4;
    /** Each arm is a run {@code bench/<arm>}, so its rounds land in {@code runs/bench/<arm>/iter-<k>}. */
    private static final String RUN_NAMESPACE = "bench";
    private static final RoundSpec.Runtime RUNTIME = new RoundSpec.Runtime(DeviceKind.CPU, ComputeDtype.FLOAT32, 0, null);

    private final Path workspace;
    private final Path baseModel;
    private final Path dataDir;
    private final KeySortSizes sizes;
    private final BenchSettings settings;
    private final long seed;

    BenchRounds(Path workspace, Path baseModel, Path dataDir, KeySortSizes sizes, BenchSettings settings, long seed) {
        this.workspace = workspace.toAbsolutePath();
        this.baseModel = baseModel.toAbsolutePath();
        this.dataDir = dataDir.toAbsolutePath();
        this.sizes = sizes;
        this.settings = settings;
        this.seed = seed;
    }

    /** The local folder standing for the specs' {@code /workspace}. */
    Path workspace() {
        return workspace;
    }

    /** Where a spec path of this bench lies on this machine. */
    Path local(String specPath) {
        return new RoundPaths(RoundContract.WORKSPACE, workspace).local(specPath);
    }

    Path modelDir(Arm arm, int iteration) {
        return local(RoundContract.modelDir(RUN_NAMESPACE, arm.dirName(), iteration));
    }

    /** The single DPO stage of {@link Arm#DPO_SEED} (200 gold pairs, 3 epochs) or {@link Arm#DPO_ALL} (the whole pool). */
    RoundSpec seedStage(Arm arm) {
        return RoundSpecFactory.create(runRef(arm), runSpec(arm), 0, RUNTIME).withSeed(seed);
    }

    /**
     * SPA iteration k of an iterating arm, from {@code policy} (the previous iteration's model; the
     * DPO-seed model at k = 1). The seed pairs ride along so the round reports its judge's agreement with them.
     */
    RoundSpec iteration(Arm arm, int k, Path policy) {
        RoundSpec spec = RoundSpecFactory.create(runRef(arm), runSpec(arm), k, RUNTIME);
        RoundSpec.Paths paths = spec.paths().withPolicyModel(inPod(policy));
        // judge.reference previous: the model the policy was trained from; iteration 1's policy is the shared DPO-seed model.
        if (spec.judge().reference() == JudgeReference.PREVIOUS && k >= 2) {
            paths = paths.withJudgeReference(inPod(k == 2 ? modelDir(Arm.DPO_SEED, 0) : modelDir(arm, k - 2)));
        }
        // The seed round of every arm is the shared seed stage: its model is the direction a validation-selected judge weighs.
        if (spec.paths().directionModel() != null) paths = paths.withDirectionModel(inPod(modelDir(Arm.DPO_SEED, 0)));
        // The shared seed stage writes no guidance model: iteration 1 fits a fresh one to the seed pairs before it judges.
        if (k == 1) paths = paths.withGuidanceModel(null);
        return spec.withSeed(seed).withPaths(paths);
    }

    private String inPod(Path local) {
        return RoundContract.inWorkspace(workspace.relativize(local.toAbsolutePath()).toString());
    }

    private RoundSpec.RunRef runRef(Arm arm) {
        return new RoundSpec.RunRef(RUN_NAMESPACE, arm.dirName(), "seed-" + seed);
    }

    /**
     * The AlignmentRun of an arm (docs/algorithm.md §8): SPA's recipe with the bench's sizes, α = 0 or λ = 0 for the
     * ablations; what it does not set is the CRD's default.
     */
    AlignmentRunSpec runSpec(Arm arm) {
        AlignmentRunSpec s = new AlignmentRunSpec();
        s.model = new ModelSpec();
        s.model.path = relative(baseModel);
        s.data = new DataSpec();
        // No arm trains on the validation pairs: the 100% arm reads the pool without them, the last slice ends before them.
        s.data.seedPreferences = relative(dataDir.resolve(arm == Arm.DPO_ALL ? KeySortFiles.TRAINING_GOLD : KeySortFiles.SEED));
        s.data.validationPreferences = relative(dataDir.resolve(KeySortFiles.VALIDATION));
        s.data.prompts = relative(dataDir.resolve(KeySortFiles.PROMPTS));
        s.data.promptsPerIteration = Arrays.stream(sizes.slicesBeforeValidation()).mapToObj(n -> (long) n).toList();
        if (arm != Arm.DPO_SEED && arm != Arm.DPO_ALL) s.guard.minJudgeAccuracy = settings.minJudgeAccuracy();
        s.iterations = settings.iterations();
        s.seed = seed;
        boolean bestOfFour = arm == Arm.SPA_MATCH || arm == Arm.SPA_REFERENCE_FREE || arm == Arm.SPA_MEAN_RATIO || arm == Arm.SPA_MIX
                || arm == Arm.SPA_SELECT || arm == Arm.SPA_SELECT_REGRESS || arm.guided();
        boolean meanScore = bestOfFour && arm != Arm.SPA_MATCH;
        s.generation.samplesPerPrompt = bestOfFour ? Math.max(BEST_OF_SAMPLES, settings.samplesPerPrompt()) : settings.samplesPerPrompt();
        s.generation.temperature = BenchSettings.TEMPERATURE;
        s.generation.maxNewTokens = KeySortSampler.MAX_NEW_TOKENS;
        s.generation.batchSize = settings.evalBatch();
        s.judge.reference = arm == Arm.SPA_PREVIOUS ? JudgeReference.PREVIOUS
                : arm == Arm.SPA_REFERENCE_FREE ? JudgeReference.NONE : JudgeReference.INITIAL;
        s.judge.score = meanScore ? JudgeScore.MEAN : settings.judgeScore();
        if (arm == Arm.SPA_MIX) s.judge.referenceWeight = 0.5;
        // the select arms choose θ as a run does by default; every other arm keeps its judge fixed
        s.judge.select = arm == Arm.SPA_SELECT || arm == Arm.SPA_SELECT_REGRESS ? JudgeSelection.VALIDATION : JudgeSelection.NONE;
        if (arm == Arm.SPA_KEEP_TRUNCATED) s.judge.truncated = TruncatedResponses.KEEP;
        if (arm == Arm.SPA_REGRESS || arm == Arm.SPA_SELECT_REGRESS) s.judge.lengthControl = LengthControl.REGRESS;
        if (arm == Arm.SPA_MATCH) s.judge.lengthControl = LengthControl.MATCH;
        if (arm.guided()) s.judge.kind = JudgeKind.GUIDANCE;
        TrainingSpec t = s.training;
        t.loss = arm == Arm.DPO_SEED || arm == Arm.DPO_ALL || arm == Arm.GUIDANCE_DPO ? Loss.DPO
                : arm == Arm.GUIDANCE_OBJECTIVE ? Loss.GUIDANCE : Loss.SPA;
        t.beta = BenchSettings.BETA;
        t.learningRate = settings.learningRate();
        if (arm.guided()) {
            t.guidance = new GuidanceSpec();
            t.guidance.learningRate = settings.guidanceLearningRate();
            t.guidance.epochs = settings.guidanceEpochs();
        }
        t.epochs = settings.iterationEpochs();
        t.seedEpochs = arm == Arm.DPO_ALL ? settings.allGoldEpochs() : settings.seedEpochs();
        t.batchSize = BenchSettings.BATCH;
        t.microBatchSize = BenchSettings.BATCH;
        t.warmupRatio = BenchSettings.WARMUP_RATIO;
        t.maxLength = KeySortVocab.CONTEXT;
        t.maxPromptLength = MAX_PROMPT;
        t.labelSmoothing = 0.0;
        t.refinement.alpha = arm == Arm.SPA_NO_REFINEMENT ? 0 : BenchSettings.ALPHA;
        t.refinement.noisyFraction = BenchSettings.NOISY_FRACTION;
        t.refinement.window = BenchSettings.WINDOW;
        t.refinement.warmupFraction = BenchSettings.REFINEMENT_WARMUP;
        // null is SPA's λ schedule 1/2, 1/4, ...; [0] keeps λ = 0 in every iteration
        t.refinement.extrapolation = arm == Arm.SPA_NO_DND || arm == Arm.SPA_NO_REFINEMENT ? List.of(0.0) : null;
        return s;
    }

    private String relative(Path p) {
        return workspace.relativize(p).toString();
    }
}
