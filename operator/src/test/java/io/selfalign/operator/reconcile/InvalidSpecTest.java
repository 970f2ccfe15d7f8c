package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;
import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.LoraSpec;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every spec mistake ends in SpecValid=False naming the field, and nothing is created. */
class InvalidSpecTest {
    static OperatorHarness h;
    static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        h = new OperatorHarness();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                bad("spec.model.path: must be relative", r -> r.getSpec().model.path = "/models/sft"),
                bad("spec.model.path: must stay inside", r -> r.getSpec().model.path = "models/../../etc"),
                bad("spec.model.path: required", r -> r.getSpec().model.path = null),
                bad("spec.data.prompts: must be relative", r -> r.getSpec().data.prompts = "/data/p.jsonl"),
                bad("spec.data.seedPreferences: must stay inside", r -> r.getSpec().data.seedPreferences = "../seed.jsonl"),
                bad("spec.data.promptsPerIteration[1]: must be >= 1", r -> r.getSpec().data.promptsPerIteration = List.of(10L, 0L, 5L)),
                bad("spec.data.promptsPerIteration: give one number or one per iteration",
                        r -> r.getSpec().data.promptsPerIteration = List.of(10L, 20L)),
                bad("spec.iterations: must be <= 50", r -> r.getSpec().iterations = 51),
                bad("spec.iterations: must be >= 0", r -> r.getSpec().iterations = -1),
                bad("spec.iterations: 0 runs the seed round alone, which needs spec.data.seedPreferences", r -> {
                    r.getSpec().iterations = 0;
                    r.getSpec().data.seedPreferences = null;
                }),
                bad("spec.training.lora.rank: must be <= 4096, got 2147483647",
                        r -> r.getSpec().training.lora = lora(Integer.MAX_VALUE, null, 0, null)),
                bad("spec.data.promptsPerIteration[0]: must be <= 1000000000, got 9223372036854775806",
                        r -> r.getSpec().data.promptsPerIteration = List.of(Long.MAX_VALUE - 1)),
                bad("spec.data.promptsPerIteration: the 3 iterations use 2400000000 prompts in all, more than 1000000000",
                        r -> r.getSpec().data.promptsPerIteration = List.of(800_000_000L)),
                bad("spec.data.validationPreferences: is spec.data.seedPreferences (data/seed.jsonl), which the seed round trains on",
                        r -> r.getSpec().data.validationPreferences = "./data/seed.jsonl"),
                bad("spec.generation.samplesPerPrompt: must be >= 2", r -> r.getSpec().generation.samplesPerPrompt = 1),
                bad("spec.generation.topP: must be > 0", r -> r.getSpec().generation.topP = 0),
                bad("spec.generation.temperature", r -> r.getSpec().generation.temperature = -0.5),
                bad("spec.training.beta: must be > 0", r -> r.getSpec().training.beta = 0),
                bad("spec.training.microBatchSize: must divide", r -> r.getSpec().training.microBatchSize = 5),
                bad("spec.training.maxPromptLength: must be below", r -> r.getSpec().training.maxPromptLength = 4096),
                bad("spec.training.labelSmoothing: must be < 0.5", r -> r.getSpec().training.labelSmoothing = 0.5),
                bad("spec.training.refinement.extrapolation: 4 entries for 3 iterations",
                        r -> r.getSpec().training.refinement.extrapolation = List.of(0.5, 0.25, 0.125, 0.06)),
                bad("spec.training.refinement.extrapolation[0]: must be >= 0",
                        r -> r.getSpec().training.refinement.extrapolation = List.of(-1.0)),
                bad("spec.training.refinement.alpha", r -> r.getSpec().training.refinement.alpha = 0.7),
                bad("spec.training.lora.rank: must be >= 1", r -> r.getSpec().training.lora = lora(0, null, 0, null)),
                bad("spec.training.lora.alpha: must be > 0", r -> r.getSpec().training.lora = lora(8, 0.0, 0, null)),
                bad("spec.training.lora.dropout: must be < 1", r -> r.getSpec().training.lora = lora(8, null, 1, null)),
                bad("spec.training.lora.targetModules[1]: must be one of [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj], got qkv_proj",
                        r -> r.getSpec().training.lora = lora(8, null, 0, List.of("q_proj", "qkv_proj"))),
                bad("spec.training.lora.targetModules: names a module twice",
                        r -> r.getSpec().training.lora = lora(8, null, 0, List.of("q_proj", "q_proj"))),
                bad("spec.workspace: set either claimName", r -> r.getSpec().workspace.storageClassName = "fast"),
                bad("spec.workspace.size: required", r -> {
                    r.getSpec().workspace.claimName = null;
                    r.getSpec().workspace.storageClassName = "fast";
                }),
                bad("spec.workspace.size: not a quantity", r -> {
                    r.getSpec().workspace.claimName = null;
                    r.getSpec().workspace.storageClassName = "fast";
                    r.getSpec().workspace.size = "lots";
                }),
                bad("spec.workspace: required", r -> r.getSpec().workspace = null),
                bad("spec.backoffLimit: must be <= 20", r -> r.getSpec().backoffLimit = 100),
                bad("spec.roundTimeout", r -> r.getSpec().roundTimeout = "1 day"),
                bad("spec.trainer.imagePullPolicy", r -> r.getSpec().trainer.imagePullPolicy = "Sometimes"),
                bad("spec.trainer.env[0].name", r -> r.getSpec().trainer.env = List.of(new EnvVar("1BAD NAME", "x", null))),
                bad("spec.trainer.resources.limits.nvidia.com/gpu: must be a non-negative quantity", r -> {
                    ResourceRequirements res = new ResourceRequirements();
                    res.setLimits(Map.of("nvidia.com/gpu", new Quantity("-1")));
                    r.getSpec().trainer.resources = res;
                }),
                bad("spec.training.learningRate: must be a finite number, got Infinity",
                        r -> r.getSpec().training.learningRate = Double.POSITIVE_INFINITY),
                bad("spec.training.beta: must be a finite number, got Infinity", r -> r.getSpec().training.beta = Double.POSITIVE_INFINITY),
                bad("spec.generation.temperature: must be a finite number, got NaN", r -> r.getSpec().generation.temperature = Double.NaN),
                bad("spec.training.refinement.extrapolation: must be a finite number",
                        r -> r.getSpec().training.refinement.extrapolation = List.of(0.5, Double.POSITIVE_INFINITY)),
                // A value quoted back is cut at 64 characters: status is readable by the viewer role.
                bad("spec.trainer.env[0].name: not a valid environment variable name: " + "s3cr3t ".repeat(10).substring(0, 64)
                        + "... (70 characters)",
                        r -> r.getSpec().trainer.env = List.of(new EnvVar("s3cr3t ".repeat(10), "x", null))),
                bad("metadata.name: must be lower-case letters, digits, '-' and '.'", r -> r.getMetadata().setName("KeySort_SPA")),
                bad("metadata.name: at most 52 characters", r -> r.getMetadata().setName("a-run-name-that-is-far-too-long-for-job-names-derived-from-it")));
    }

    static LoraSpec lora(int rank, Double alpha, double dropout, List<String> targetModules) {
        LoraSpec l = new LoraSpec();
        l.rank = rank;
        l.alpha = alpha;
        l.dropout = dropout;
        l.targetModules = targetModules;
        return l;
    }

    static Arguments bad(String expected, Consumer<AlignmentRun> mistake) {
        return Arguments.of(expected, mistake);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void invalidSpecIsReportedAndCreatesNothing(String expected, Consumer<AlignmentRun> mistake) {
        AlignmentRun r = run("invalid-" + COUNTER.incrementAndGet(), 3);
        mistake.accept(r);
        String name = r.getMetadata().getName();
        h.create(r);
        AlignmentRun seen = h.awaitRun(name, x -> x.getStatus().conditions != null);
        Condition valid = seen.getStatus().conditions.stream().filter(c -> c.getType().equals("SpecValid")).findFirst().orElseThrow();
        assertEquals("False", valid.getStatus());
        assertEquals("SpecInvalid", valid.getReason());
        assertTrue(valid.getMessage().contains(expected), valid.getMessage());
        assertEquals(RunPhase.PENDING, seen.getStatus().phase);
        assertTrue(h.client.batch().v1().jobs().inNamespace(NS).withLabel("selfalign.io/run", name).list().getItems().isEmpty());
        assertTrue(h.client.configMaps().inNamespace(NS).withLabel("selfalign.io/run", name).list().getItems().isEmpty());
        // The event follows the status write (status is recorded before acting), so it may land a moment later.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(h.client.v1().events().inNamespace(NS).list().getItems()
                .stream().anyMatch(e -> "SpecInvalid".equals(e.getReason()) && name.equals(e.getInvolvedObject().getName()))));
    }

    /** A run as kubectl sends it: raw JSON, explicit nulls kept (the typed classes would drop them). */
    static void createRaw(String name, String specJson) {
        String json = "{\"apiVersion\":\"selfalign.io/v1alpha1\",\"kind\":\"AlignmentRun\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"" + NS + "\"},\"spec\":{\"model\":{\"path\":\"models/sft\"},\"data\":{\"seedPreferences\":"
                + "\"data/seed.jsonl\",\"prompts\":\"data/prompts.jsonl\",\"promptsPerIteration\":[100]},\"iterations\":1,"
                + "\"workspace\":{\"claimName\":\"shared\"}," + specJson + "}}";
        h.client.resource(json).inNamespace(NS).create();
    }

    /** {@code generation:} with nothing after it is an explicit null: the defaults, as an API server's pruning gives. */
    @Test
    void explicitNullSectionsMeanTheDefaults() {
        createRaw("null-sections", "\"generation\":null,\"judge\":null,\"guard\":null,\"trainer\":null,"
                + "\"training\":{\"refinement\":null}");
        AlignmentRun done = h.awaitRun("null-sections", OperatorHarness.phase(RunPhase.SUCCEEDED));
        assertEquals(2, done.getStatus().completedIterations);
        createRaw("null-training", "\"training\":null");
        h.awaitRun("null-training", OperatorHarness.phase(RunPhase.SUCCEEDED));
    }

    /** The API server's schema refuses an unknown enum value; an API server without the schema gets the same answer from the operator. */
    @Test
    void aMistypedLossIsAnsweredWithTheAllowedValues() {
        createRaw("ppo", "\"training\":{\"loss\":\"ppo\"}");
        AlignmentRun seen = h.awaitRun("ppo", x -> x.getStatus().conditions != null);
        Condition valid = seen.getStatus().conditions.stream().filter(c -> c.getType().equals("SpecValid")).findFirst().orElseThrow();
        assertEquals("False", valid.getStatus());
        assertTrue(valid.getMessage().contains("spec.training.loss: must be one of [spa, dpo, cdpo, rdpo, ipo, hinge, simpo, orpo, guidance], got an unknown name or none"),
                valid.getMessage());
    }

    @Test
    void changingTheModelOfAStartedRunIsRejectedAndFixingTheSpecResumes() {
        h.create(run("moved", 1));
        h.awaitRun("moved", OperatorHarness.phase(RunPhase.SUCCEEDED));
        h.editSpec("moved", s -> {
            s.model.path = "models/other";
            s.iterations = 2;
        });
        AlignmentRun seen = h.awaitRun("moved", r -> r.getStatus().conditions.stream()
                .anyMatch(c -> c.getType().equals("SpecValid") && c.getStatus().equals("False")));
        assertTrue(seen.getStatus().conditions.get(0).getMessage().contains("spec.model.path: cannot change once the run has started"));
        assertEquals(null, h.client.batch().v1().jobs().inNamespace(NS).withName("moved-iter-2").get());
        h.editSpec("moved", s -> s.model.path = "models/sft");
        h.awaitRun("moved", r -> r.getStatus().completedIterations == 3);
    }
}
