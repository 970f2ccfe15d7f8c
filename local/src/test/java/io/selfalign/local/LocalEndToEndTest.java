package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.testkit.kubelet.Kubelet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end check of local mode: the operator, local mode's in-process API and kubelet, and the REAL trainer
 * jar of this reactor (packaged before local mode's tests in {@code ./mvnw verify}) run a tiny SPA run —
 * tiny-llama, seed stage + 2 iterations of 8 prompts — to Complete, with each round's metrics in status.
 */
class LocalEndToEndTest {
    static final Path TRAINER_JAR = Path.of("..", "trainer-image", "target", "selfalign-trainer.jar");
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void tinySpaRunCompletesWithTheTrainersMetricsInStatusAndShardedGivesTheSameLabels() throws Exception {
        Path jar = trainerJar();
        Path ws = e2eWorkspace();
        AlignmentRun run = LocalCommand.readRun(ws.resolve("tiny-spa.yaml"));
        AlignmentRun done = runToTheEnd(jar, ws, run);
        checkRun(ws, done, "tiny-spa");

        // The same run with each iteration's generation and judging in 2 shards (parallel trainer processes): its own
        // run folder, the same seed, so the same labels in every round; the rewards agree to float32 rounding, since a
        // shard batches other pairs together for scoring.
        AlignmentRun sharded = LocalCommand.readRun(ws.resolve("tiny-spa.yaml"));
        sharded.getMetadata().setName("tiny-spa-sharded");
        sharded.getSpec().generation.shards = 2;
        AlignmentRun shardedDone = runToTheEnd(jar, ws, sharded);
        checkRun(ws, shardedDone, "tiny-spa-sharded");
        for (int k = 1; k <= 2; k++) {
            IterationStatus it = shardedDone.getStatus().findIteration(k);
            assertEquals(java.util.Set.of("generate", "train"), it.stageSeconds.keySet(), "iteration " + k);
            for (int shard = 0; shard < 2; shard++) {
                Path record = ws.resolve("runs/e2e/tiny-spa-sharded/.iter-" + k + ".shards/shard-" + shard + "/shard.json");
                assertTrue(Files.isRegularFile(record), record + " is missing");
            }
            List<Label> whole = labels(ws.resolve("runs/e2e/tiny-spa/iter-" + k + "/pairs.jsonl"));
            List<Label> inShards = labels(ws.resolve("runs/e2e/tiny-spa-sharded/iter-" + k + "/pairs.jsonl"));
            assertEquals(whole.stream().map(Label::pair).toList(), inShards.stream().map(Label::pair).toList(), "iteration " + k + " labels");
            for (int i = 0; i < whole.size(); i++) {
                // Rewards near -0.5 from float32 log-probs: 1e-6 is a few ulps of their sums.
                assertEquals(whole.get(i).chosenReward(), inShards.get(i).chosenReward(), 1e-6, "iteration " + k + " pair " + i);
                assertEquals(whole.get(i).rejectedReward(), inShards.get(i).rejectedReward(), 1e-6, "iteration " + k + " pair " + i);
            }
        }
    }

    /**
     * {@code ./selfalign local} again with {@code iterations} raised from 1 to 2: a new local mode process (so the run
     * gets the uid it had, as in every rerun) and a fresh API server, so the operator creates every round's Job again;
     * the trainer reports rounds 0 and 1 from their outputs (same result.json, model untouched) and computes round 2.
     */
    @Test
    void raisingIterationsOnAFinishedRunComputesOnlyTheNewRound() throws Exception {
        Path jar = trainerJar();
        Path ws = e2eWorkspace();
        String yaml = Files.readString(ws.resolve("tiny-spa.yaml"));
        Path one = Files.writeString(dir.resolve("one.yaml"), edited(yaml, "iterations: 2\n", "iterations: 1\n"));
        String out = localMode(one, ws, jar);
        assertTrue(out.contains("Succeeded"), out);
        Path runDir = ws.resolve("runs/e2e/tiny-spa");
        Map<Integer, String> results = new java.util.HashMap<>();
        Map<Integer, java.nio.file.attribute.FileTime> models = new java.util.HashMap<>();
        for (int k = 0; k <= 1; k++) {
            results.put(k, Files.readString(runDir.resolve("iter-" + k + "/result.json")));
            models.put(k, Files.getLastModifiedTime(runDir.resolve("iter-" + k + "/model/model.safetensors")));
        }
        assertTrue(Files.notExists(runDir.resolve("iter-2")));

        out = localMode(ws.resolve("tiny-spa.yaml"), ws, jar);
        assertTrue(out.contains("Succeeded"), out);
        assertTrue(!out.contains("uid differs"), out);
        for (int k = 0; k <= 1; k++) {
            assertEquals(results.get(k), Files.readString(runDir.resolve("iter-" + k + "/result.json")), "iteration " + k + " reported again");
            assertEquals(models.get(k), Files.getLastModifiedTime(runDir.resolve("iter-" + k + "/model/model.safetensors")), "iteration " + k);
        }
        assertTrue(Files.isRegularFile(runDir.resolve("iter-2/model/config.json")), "round 2 trained");
        String logs = logsUnder(ws.resolve(".selfalign-local/pods"));
        for (int k = 0; k <= 1; k++) {
            assertTrue(logs.contains("round: iteration " + k + " already finished with this spec"), "iteration " + k + ":\n" + logs);
        }
        assertTrue(!logs.contains("holds a result of another spec"), logs);
    }

    /**
     * The tiny run with the guidance judge as a user writes it ({@code judge: {kind: guidance}}, loss dpo): every round,
     * the seed round included, fits a guidance model and writes it beside its model, listed in its manifest, and each
     * later round judges with the previous round's. Then the same run with {@code training.loss: guidance}, whose
     * policy trains on that model's token weights.
     */
    @Test
    void guidanceJudgedRunsWriteEachRoundsGuidanceModelAndJudgeWithThePreviousRounds() throws Exception {
        Path jar = trainerJar();
        Path ws = e2eWorkspace();
        String spa = Files.readString(ws.resolve("tiny-spa.yaml"));
        for (String loss : new String[] {"dpo", "guidance"}) {
            String name = "tiny-guidance-" + loss;
            String yaml = edited(spa, "  judge:\n", "  judge:\n    kind: guidance\n");
            yaml = edited(yaml, "name: tiny-spa\n", "name: " + name + "\n");
            yaml = edited(yaml, "loss: spa\n", "loss: " + loss + "\n");
            AlignmentRun done = runToTheEnd(jar, ws, LocalCommand.readRun(Files.writeString(ws.resolve(name + ".yaml"), yaml)));
            checkRun(ws, done, name);
            checkGuidance(ws, done, name);
        }
    }

    /**
     * What a guided run's user relies on, for run {@code name} that {@link #checkRun} found Complete: each round's
     * {@code guidance/} is a one-label LlamaForTokenClassification checkpoint whose files the round's manifest lists
     * with their digests, its fit in the round's status metrics; round k >= 1 was given round k-1's and loaded it.
     */
    private void checkGuidance(Path ws, AlignmentRun done, String name) throws IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<Integer, Path> pods = podsOf(name);
        for (int k = 0; k <= 2; k++) {
            String it = name + " iteration " + k;
            Path iter = ws.resolve("runs/e2e/" + name + "/iter-" + k);
            var config = json.readTree(iter.resolve("guidance/config.json").toFile());
            assertEquals("[\"LlamaForTokenClassification\"]", String.valueOf(config.get("architectures")), it + ": " + config);
            assertEquals(1, config.path("num_labels").asInt(-1), it + ": " + config);
            var manifest = RoundJson.readResult(Files.readString(iter.resolve("result.json"))).manifest();
            assertNotNull(manifest, it + ": result.json has no manifest");
            for (String f : new String[] {"guidance/config.json", "guidance/model.safetensors"}) {
                RoundResult.FileDigest d = manifest.stream().filter(e -> e.path().equals(f)).findFirst()
                        .orElseThrow(() -> new AssertionError(it + ": the manifest does not list " + f + ": " + manifest));
                assertEquals(Files.size(iter.resolve(f)), d.size(), it + " " + f);
                assertEquals(sha256(iter.resolve(f)), d.sha256(), it + " " + f);
            }

            Map<String, Double> m = done.getStatus().findIteration(k).metrics;
            // The 8 seed pairs every round, then at most one ranking per prompt of the round's 8, at least one per pair.
            double lists = metric(m, "guidance_lists", it);
            if (k == 0) assertEquals(8.0, lists, it + ": guidance_lists in " + m);
            else assertTrue(lists >= 8 + m.get("pairs") && lists <= 16, it + ": guidance_lists in " + m);
            assertTrue(metric(m, "guidance_steps", it) >= 1, it + ": guidance_steps in " + m);
            assertTrue(Double.isFinite(metric(m, "guidance_loss_mean", it)) && Double.isFinite(metric(m, "guidance_loss_final", it)),
                    it + ": guidance losses in " + m);
            double accuracy = metric(m, "guidance_accuracy", it);
            assertTrue(accuracy >= 0 && accuracy <= 1, it + ": guidance_accuracy in " + m);

            Path pod = pods.get(k);
            assertNotNull(pod, it + ": no pod under " + dir.resolve("pods"));
            String guidanceModel = RoundJson.readSpec(Files.readString(pod.resolve(RoundContract.ROUND_FILE))).paths().guidanceModel();
            String log = Files.readString(pod.resolve("trainer.log"));
            if (k == 0) {
                assertNull(guidanceModel, it + ": the seed round has no earlier guidance model");
                assertTrue(log.contains("round: guidance model: a fresh token head"), log);
            } else {
                String previous = "/workspace/runs/e2e/" + name + "/iter-" + (k - 1) + "/guidance";
                assertEquals(previous, guidanceModel, it + ": paths.guidanceModel");
                assertTrue(log.contains("round: guidance model: " + previous + "\n"), log);
            }
        }
    }

    private static double metric(Map<String, Double> m, String name, String it) {
        Double v = m.get(name);
        assertNotNull(v, it + " has no " + name + " in " + m);
        return v;
    }

    /** Each round's pod folder (its round.json and trainer.log) of run {@code name}, by iteration. */
    private Map<Integer, Path> podsOf(String name) throws IOException {
        Map<Integer, Path> pods = new java.util.HashMap<>();
        try (Stream<Path> files = Files.walk(dir.resolve("pods"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals(RoundContract.ROUND_FILE)).toList()) {
                RoundSpec spec = RoundJson.readSpec(Files.readString(f));
                if (spec.run().name().equals(name)) assertNull(pods.put(spec.iteration(), f.getParent()), "two pods of iteration " + spec.iteration());
            }
        }
        return pods;
    }

    /** {@code text} with its one occurrence of {@code from} replaced: an edit of a run file that cannot silently miss. */
    static String edited(String text, String from, String to) {
        int at = text.indexOf(from);
        assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, () -> "not exactly one " + from + " in\n" + text);
        return text.substring(0, at) + to + text.substring(at + from.length());
    }

    static String sha256(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** {@code ./selfalign local -f run --workspace ws} as its own process; its output, once it has ended with exit 0. */
    private static String localMode(Path run, Path ws, Path jar) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "io.selfalign.local.LocalMain", "local",
                "-f", run.toString(), "--workspace", ws.toString(), "--trainer-jar", jar.toString(), "--metrics-port", "0",
                "--max-trainers", "1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    static String logsUnder(Path pods) throws IOException {
        try (Stream<Path> files = Files.walk(pods)) {
            StringBuilder sb = new StringBuilder();
            for (Path log : files.filter(f -> f.getFileName().toString().equals("trainer.log")).sorted().toList()) {
                sb.append("== ").append(log).append('\n').append(Files.readString(log));
            }
            return sb.toString();
        }
    }

    /** Each pair's prompt row, chosen and rejected response and both rewards, in file order. */
    /** One pair of a round's pairs.jsonl: which answers it prefers ({@code pair}) and their rewards. */
    record Label(String pair, double chosenReward, double rejectedReward) {
    }

    static List<Label> labels(Path pairs) throws IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<Label> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(pairs)) {
            var p = json.readTree(line);
            out.add(new Label(p.get("row") + " " + p.get("chosen") + " > " + p.get("rejected"),
                    p.get("chosenReward").asDouble(), p.get("rejectedReward").asDouble()));
        }
        return out;
    }

    private AlignmentRun runToTheEnd(Path jar, Path ws, AlignmentRun run) throws Exception {
        try (LocalCluster cluster = new LocalCluster(0, run)) {
            KubernetesClient client = cluster.client();
            AlignmentRun applied = client.resource(run).create();
            Operator operator = LocalCommand.operator(client, new SimpleMeterRegistry());
            // One intra-op thread per trainer: the 2-core CI machine also runs this JVM's operator and API server.
            TrainerProcessRunner runner = new TrainerProcessRunner(client, ws, dir.resolve("pods"),
                    TrainerProcessRunner.trainerJar(jar, "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"));
            Kubelet kubelet = new Kubelet(client, runner);
            operator.start();
            try {
                return awaitFinished(client, applied);
            } finally {
                kubelet.close();
                operator.stop();
                runner.stopAll();
            }
        }
    }

    private void checkRun(Path ws, AlignmentRun done, String name) throws IOException {
        assertEquals(RunPhase.SUCCEEDED, done.getStatus().phase, () -> "run ended " + done.getStatus().phase + ": "
                + done.getStatus().conditions + "\ntrainer logs under " + dir.resolve("pods") + "\n" + trainerLogs());
        assertEquals(3, done.getStatus().completedIterations, "rounds that succeeded, the seed round included");
        assertEquals("/workspace/runs/e2e/" + name + "/iter-2/model", done.getStatus().latestCheckpoint);
        for (int k = 0; k <= 2; k++) {
            IterationStatus it = done.getStatus().findIteration(k);
            assertNotNull(it, "status.iterations has no iteration " + k);
            Map<String, Double> m = it.metrics;
            assertNotNull(m, "iteration " + k + " has no metrics");
            Path iter = ws.resolve("runs/e2e/" + name + "/iter-" + k);
            for (String f : new String[] {"model/config.json", "pairs.jsonl", "result.json"}) {
                assertTrue(Files.isRegularFile(iter.resolve(f)), iter.resolve(f) + " is missing");
            }
            // Status carries what the trainer wrote, not a copy of anything the operator computed.
            assertEquals(RoundJson.readResult(Files.readString(iter.resolve("result.json"))).metrics(), m, "iteration " + k);
            // Seed stage: the 8 gold pairs; iterations: at most one self-labeled pair per prompt of the 8-prompt slice.
            double pairs = m.get("pairs");
            assertEquals(k == 0 ? 8.0 : lineCount(iter.resolve("pairs.jsonl")), pairs, "iteration " + k + " pairs in " + m);
            assertTrue(pairs > 0 && pairs <= 8, "iteration " + k + " pairs in " + m);
            assertTrue(Double.isFinite(m.get("loss_final")), "iteration " + k + " loss_final in " + m);
            if (k >= 1) {
                assertTrue(m.get("gen_tokens_per_s") > 0, "iteration " + k + " gen_tokens_per_s in " + m);
                double agreement = m.get("seed_agreement");
                assertTrue(agreement >= 0 && agreement <= 1, "iteration " + k + " seed_agreement in " + m);
            }
        }
    }

    static double lineCount(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    static AlignmentRun awaitFinished(KubernetesClient client, AlignmentRun applied) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            AlignmentRun r = client.resource(applied).get();
            RunPhase phase = r.getStatus() == null ? null : r.getStatus().phase;
            if (RunPhase.SUCCEEDED.equals(phase) || RunPhase.FAILED.equals(phase)) return r;
            Thread.sleep(250);
        }
        throw new AssertionError("the run did not finish within " + TIMEOUT + ": " + client.resource(applied).get().getStatus());
    }

    /** The trainer jar of this reactor, resolved from the local module's folder (surefire's working directory). */
    static Path trainerJar() {
        Path jar = TRAINER_JAR.toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar) || !Files.isDirectory(jar.resolveSibling("lib"))) {
            throw new IllegalStateException(jar + " (with lib/ beside it) is missing: package the trainer first, e.g. "
                    + "./mvnw -B -o -pl local -am verify (the reactor builds trainer-image before local mode's tests)");
        }
        return jar;
    }

    /** A fresh workspace holding the tiny model and data of the e2e resources. */
    private Path e2eWorkspace() throws IOException, URISyntaxException {
        Path ws = dir.resolve("workspace");
        copyTree(resource("e2e"), ws);
        return ws;
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(LocalEndToEndTest.class.getResource("/" + name).toURI());
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target);
                else Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    String trainerLogs() {
        try {
            return logsUnder(dir.resolve("pods"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
