package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.judge.Judge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A self-labeling round split over two shards (generate stage per shard, then the training step) against the
 * same round in one pod, on CPU with the tiny-llama fixture: six prompts, K = 2, batches of 4 candidates, so shard
 * 0 samples prompts 0..2 (one batch) and shard 1 prompts 2..6 (two batches, the first sequence 4).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardedRoundTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void workspace() throws IOException {
        RoundFixture.populate(root);
    }

    private static Path local(String specPath) {
        return RoundFixture.local(root, specPath);
    }

    /** Iteration 1 of a run without a seed round (policy = base model) over all six prompts, in run {@code run}. */
    static RoundSpec spec(String run, Integer shards) {
        RoundSpec s = RoundFixture.spec(1, Loss.SPA, 0.5, r -> r.generation.shards = shards == null ? 1 : shards);
        RoundSpec.Paths p = s.paths();
        RoundSpec.Data d = s.data();
        return RoundFixture.withData(s.withPaths(new RoundSpec.Paths(p.workspace(), p.baseModel(), RoundFixture.BASE, p.judgeReference(),
                        RoundFixture.WS + "/runs/team/" + run + "/iter-1")),
                new RoundSpec.Data(d.seedPreferences(), d.prompts(), 0, 6, d.validationPreferences()));
    }

    private static Path shardDir(RoundSpec spec, int i) {
        return local(spec.paths().outputDir()).resolveSibling(".iter-1.shards/shard-" + i);
    }

    private static final Judge MUST_NOT_RUN = requests -> {
        throw new AssertionError("the judge ran again");
    };

    @Test
    @Order(1)
    void twoShardsGatheredInPromptOrderGiveTheUnshardedRoundsPairsAndModel() throws IOException {
        RoundSpec whole = spec("whole", null);
        RoundSpec sharded = spec("sharded", 2);
        new RoundRunner().run(whole, root);
        // Out of order, as pods finish: each shard's samples depend only on its position in the round.
        ShardStage.Summary second = new ShardStage().run(sharded, 1, root, RoundRunner.Options.quiet());
        ShardStage.Summary first = new ShardStage().run(sharded, 0, root, RoundRunner.Options.quiet());
        assertEquals(4, second.prompts());
        assertEquals(2, first.prompts());
        assertEquals(List.of(4L, 2L), List.of(Files.lines(shardDir(sharded, 1).resolve("candidates.jsonl")).count(),
                Files.lines(shardDir(sharded, 0).resolve("candidates.jsonl")).count()));
        RoundResult r = new RoundRunner().run(sharded, root, RoundRunner.Options.quiet().withJudge(null));

        Path a = local(whole.paths().outputDir());
        Path b = local(sharded.paths().outputDir());
        assertEquals(Files.readString(a.resolve("pairs.jsonl")), Files.readString(b.resolve("pairs.jsonl")),
                "same candidates, rewards, labels and training outcomes");
        assertArrayEquals(Files.readAllBytes(a.resolve("model/model.safetensors")), Files.readAllBytes(b.resolve("model/model.safetensors")));
        assertEquals(6.0, r.metrics().get("prompts"));
        assertEquals(12.0, r.metrics().get("candidates"));
    }

    @Test
    @Order(2)
    void aFinishedShardIsReportedAgainWithoutRecomputing() throws IOException {
        RoundSpec sharded = spec("sharded", 2);
        Path candidates = shardDir(sharded, 1).resolve("candidates.jsonl");
        var before = Files.getLastModifiedTime(candidates);
        ShardStage.Summary again = new ShardStage().run(sharded, 1, root, RoundRunner.Options.quiet().withJudge(MUST_NOT_RUN));
        assertTrue(again.reused());
        assertEquals(before, Files.getLastModifiedTime(candidates));
    }

    @Test
    @Order(3)
    void aDamagedOrMissingShardStopsTheTrainingStepNamingTheFileAndIsRecomputedByItsStage() throws IOException {
        RoundSpec spec = spec("damaged", 2);
        new ShardStage().run(spec, 0, root, RoundRunner.Options.quiet());
        new ShardStage().run(spec, 1, root, RoundRunner.Options.quiet());
        Path candidates = shardDir(spec, 1).resolve("candidates.jsonl");
        byte[] bytes = Files.readAllBytes(candidates);
        bytes[bytes.length / 2] ^= 1; // same size, other content
        Files.write(candidates, bytes);
        RoundSpec damaged = spec;
        InputException e = assertThrows(InputException.class, () -> new RoundRunner().run(damaged, root));
        assertTrue(e.getMessage().contains("/workspace/runs/team/damaged/.iter-1.shards/shard-1/candidates.jsonl: SHA-256"), e.getMessage());
        assertFalse(Files.exists(local(spec.paths().outputDir())), "nothing trained, no output");

        Files.delete(shardDir(spec, 0).resolve("shard.json"));
        e = assertThrows(InputException.class, () -> new RoundRunner().run(damaged, root));
        assertTrue(e.getMessage().contains(".iter-1.shards/shard-0/shard.json: missing"), e.getMessage());
        assertTrue(e.getMessage().contains("shard-1/candidates.jsonl"), "every problem is named: " + e.getMessage());

        // The shard's own stage does not trust a damaged output: it computes the shard again.
        assertFalse(new ShardStage().run(spec, 1, root, RoundRunner.Options.quiet()).reused());
        RoundPaths paths = new RoundPaths(spec, root);
        assertEquals(java.util.Optional.empty(), ShardDirectory.of(spec, paths, 1).problem(io.selfalign.api.round.RoundJson.specHash(spec),
                Shards.plan(spec), 1, InputDigests.ofShard(spec, Shards.plan(spec).range(1), InputDigests.models(spec, paths), paths)));
    }

    /**
     * Same spec, other inputs: a prompt row of shard 1 edited, then the model the shards sample from changed. The
     * training pod refuses the old candidates naming what changed; each shard's stage computes again only the shards
     * whose inputs changed.
     */
    @Test
    @Order(4)
    void aShardWhoseInputsChangedIsComputedAgainAndNeverGathered() throws IOException {
        // A run of its own prompts and policy model (a copy of the base model), so the edits touch no other test's round.
        Path prompts = local(RoundFixture.PROMPTS).resolveSibling("prompts-changed.jsonl");
        Files.copy(local(RoundFixture.PROMPTS), prompts);
        Path model = local(RoundFixture.BASE).resolveSibling("policy-changed");
        Files.createDirectories(model);
        try (var files = Files.list(local(RoundFixture.BASE))) {
            for (Path f : files.toList()) Files.copy(f, model.resolve(f.getFileName()));
        }
        RoundSpec base = spec("changed", 2);
        RoundSpec.Paths p = base.paths();
        RoundSpec.Data d = base.data();
        RoundSpec spec = RoundFixture.withData(base.withPaths(new RoundSpec.Paths(p.workspace(), p.baseModel(), RoundFixture.WS + "/models/policy-changed",
                        p.judgeReference(), p.outputDir())),
                new RoundSpec.Data(d.seedPreferences(), RoundFixture.WS + "/data/prompts-changed.jsonl", 0, 6, d.validationPreferences()));
        new ShardStage().run(spec, 0, root, RoundRunner.Options.quiet());
        new ShardStage().run(spec, 1, root, RoundRunner.Options.quiet());

        // Row 3 lies in shard 1's prompts (2..6).
        List<String> rows = new java.util.ArrayList<>(Files.readAllLines(prompts));
        rows.set(3, "{\"prompt\": \"Sort: u t s\"}");
        Files.write(prompts, rows);
        InputException e = assertThrows(InputException.class, () -> new RoundRunner().run(spec, root));
        assertTrue(e.getMessage().contains(".iter-1.shards/shard-1/shard.json: /workspace/data/prompts-changed.jsonl rows 2..5 changed since "
                + "shard 1 finished (sha256 "), e.getMessage());
        assertFalse(e.getMessage().contains("shard-0"), "shard 0's prompts are as they were: " + e.getMessage());
        assertTrue(new ShardStage().run(spec, 0, root, RoundRunner.Options.quiet().withJudge(MUST_NOT_RUN)).reused());
        assertFalse(new ShardStage().run(spec, 1, root, RoundRunner.Options.quiet()).reused(), "shard 1 is sampled again");
        List<String> lines = Files.readAllLines(shardDir(spec, 1).resolve("candidates.jsonl"));
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).startsWith("{\"row\":3,"), lines.get(1));

        // The policy's weights changed in place (one byte of the last tensor): every shard is sampled again.
        Path weights = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(weights, bytes);
        e = assertThrows(InputException.class, () -> new RoundRunner().run(spec, root));
        assertTrue(e.getMessage().contains("shard-0/shard.json: /workspace/models/policy-changed (model) changed since shard 0 finished"), e.getMessage());
        assertTrue(e.getMessage().contains("shard-1/shard.json: /workspace/models/policy-changed (model) changed since shard 1 finished"), e.getMessage());
        assertFalse(new ShardStage().run(spec, 0, root, RoundRunner.Options.quiet()).reused());
        assertFalse(new ShardStage().run(spec, 1, root, RoundRunner.Options.quiet()).reused());
        RoundResult r = new RoundRunner().run(spec, root);
        assertEquals(6.0, r.metrics().get("prompts"), "gathered once every shard is of these inputs");
    }

    @Test
    void theGenerateStageRefusesWhatHasNoShardsAndAnIndexOutOfRange() {
        InputException unsharded = assertThrows(InputException.class,
                () -> new ShardStage().run(spec("x", null), 0, root, RoundRunner.Options.quiet()));
        assertTrue(unsharded.getMessage().contains("has no generate stage"), unsharded.getMessage());
        InputException seed = assertThrows(InputException.class,
                () -> new ShardStage().run(RoundFixture.spec(0, Loss.DPO, 0, r -> r.generation.shards = 2),
                        0, root, RoundRunner.Options.quiet()));
        assertTrue(seed.getMessage().contains("iteration 0"), seed.getMessage());
        InputException outOfRange = assertThrows(InputException.class,
                () -> new ShardStage().run(spec("x", 2), 2, root, RoundRunner.Options.quiet()));
        assertEquals("JOB_COMPLETION_INDEX: shard 2 is not in 0..1 (generation.shards 2)", outOfRange.getMessage());
    }
}
