package io.selfalign.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.testkit.kubelet.Kubelet;
import io.selfalign.operator.round.RoundResources;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode's executor with a tiny real process (bash) as the trainer: round.json reaches it unchanged,
 * its exit code and termination log come back as pod and Job status with Kubernetes' semantics.
 */
class TrainerProcessRunnerTest {
    /** $1 = round.json, $2 = workspace root, $3 = termination log; $SCRIPT_MODE picks the behaviour. */
    static final String FAKE_TRAINER = """
            k=$(grep -o '"iteration":[0-9]*' "$1" | cut -d: -f2)
            out=$(grep -o '"outputDir":"[^"]*"' "$1" | cut -d'"' -f4)
            case "$MODE" in
              ok)    mkdir -p "$2${out#/workspace}" && cp "$1" "$2${out#/workspace}/round.json"
                     printf '{"version":1,"iteration":%s,"specHash":"h","checkpoint":"%s/model","durationSeconds":0.5,"metrics":{"accuracy":0.8,"pairs":%s}}' "$k" "$out" "$k" > "$3" ;;
              bad)   echo 'data.prompts: line 3 is not JSON' > "$3"; exit 78 ;;
              crash) echo 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space'; exit 3 ;;
              sleep) sleep 60 ;;
            esac
            """;

    @TempDir
    Path dir;
    OperatorHarness h;
    TrainerProcessRunner runner;
    Kubelet kubelet;

    @BeforeEach
    void start() throws Exception {
        h = new OperatorHarness(false);
        runner = new TrainerProcessRunner(h.client, dir.resolve("workspace"), dir.resolve("pods"),
                (spec, ws, log) -> List.of("bash", "-c", FAKE_TRAINER, "trainer", spec.toString(), ws.toString(), log.toString()));
        kubelet = new Kubelet(h.client, runner);
    }

    @AfterEach
    void stop() {
        kubelet.close();
        runner.stopAll();
        h.close();
    }

    /**
     * Creates the run, then round k's ConfigMap and Job as the operator builds them (the operator itself does not
     * run), with MODE in the container env: the kubelet runs only Jobs owned by an existing AlignmentRun.
     */
    Job round(String mode, int backoffLimit) {
        AlignmentRun run = OperatorHarness.run("proc", 1);
        run.getSpec().backoffLimit = backoffLimit;
        run.getSpec().trainer.env = List.of(new io.fabric8.kubernetes.api.model.EnvVar("MODE", mode, null));
        run = h.client.resource(run).create();
        RoundResources resources = new RoundResources(OperatorHarness.settings());
        h.client.resource(resources.configMap(run, 1)).create();
        return h.client.resource(resources.job(run, 1)).create();
    }

    Job awaitFinished(Job job) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Job j = h.client.resource(job).get();
            return j.getStatus() != null && j.getStatus().getConditions() != null && !j.getStatus().getConditions().isEmpty();
        });
        return h.client.resource(job).get();
    }

    static String terminated(Pod p) {
        return p.getStatus().getContainerStatuses().get(0).getState().getTerminated().getMessage();
    }

    @Test
    void successReportsTheTerminationLogAndSeesRoundJsonUnchanged() throws Exception {
        Job job = awaitFinished(round("ok", 0));
        // As the Job controller writes it (a real API server rejects Complete without SuccessCriteriaMet).
        assertEquals(List.of("SuccessCriteriaMet", "Complete"), job.getStatus().getConditions().stream().map(c -> c.getType()).toList());
        Pod pod = kubelet.podsOf(job).get(0);
        assertEquals("Succeeded", pod.getStatus().getPhase());
        assertTrue(terminated(pod).contains("\"iteration\":1"), terminated(pod));
        String cm = h.client.configMaps().inNamespace(OperatorHarness.NS).withName("proc-iter-1").get().getData().get("round.json");
        assertEquals(cm, Files.readString(dir.resolve("workspace/runs/team-a/proc/iter-1/round.json")));
    }

    /**
     * Local mode's kubelet runs pods as the user: a ConfigMap and Job labelled as a run's round, written by anyone
     * who reaches the API, used to run. Only a Job whose controller is an existing AlignmentRun (name and uid) runs.
     */
    @Test
    void aJobNotOwnedByAnExistingRunIsNeverRun() throws Exception {
        RoundResources resources = new RoundResources(OperatorHarness.settings());
        AlignmentRun ghost = OperatorHarness.run("ghost", 1);
        ghost.getMetadata().setUid("uid-ghost"); // never created
        ghost.getSpec().trainer.env = List.of(new io.fabric8.kubernetes.api.model.EnvVar("MODE", "ok", null));
        h.client.resource(resources.configMap(ghost, 1)).create();
        Job ofAMissingRun = h.client.resource(resources.job(ghost, 1)).create();
        Job bare = resources.job(ghost, 1);
        bare.getMetadata().setName("bare-iter-1");
        bare.getMetadata().setOwnerReferences(List.of());
        bare = h.client.resource(bare).create();

        Job legit = awaitFinished(round("ok", 0));
        // The run exists now, but a Job naming it with another uid is not its Job; nor is a reference that is not the controller.
        Job wrongUid = resources.job(ghost, 1);
        wrongUid.getMetadata().setName("wrong-uid-iter-1");
        wrongUid.getMetadata().getOwnerReferences().get(0).setName("proc");
        wrongUid = h.client.resource(wrongUid).create();
        Job notController = resources.job(ghost, 1);
        notController.getMetadata().setName("not-controller-iter-1");
        notController.getMetadata().getOwnerReferences().get(0).setName("proc");
        notController.getMetadata().getOwnerReferences().get(0).setUid(legit.getMetadata().getOwnerReferences().get(0).getUid());
        notController.getMetadata().getOwnerReferences().get(0).setController(false);
        notController = h.client.resource(notController).create();

        assertEquals(List.of("SuccessCriteriaMet", "Complete"), legit.getStatus().getConditions().stream().map(c -> c.getType()).toList());
        Thread.sleep(1500);
        for (Job j : List.of(ofAMissingRun, bare, wrongUid, notController)) {
            assertTrue(kubelet.podsOf(j).isEmpty(), j.getMetadata().getName() + " got a pod");
            Job now = h.client.resource(j).get();
            assertTrue(now.getStatus() == null || now.getStatus().getStartTime() == null, j.getMetadata().getName() + " was started");
        }
        assertEquals(List.of("proc-iter-1-0"), h.client.pods().inNamespace(OperatorHarness.NS).list().getItems().stream()
                .map(p -> p.getMetadata().getName()).toList());
        assertTrue(Files.notExists(dir.resolve("workspace/runs/team-a/ghost")), "the trainer never ran for them");
    }

    @Test
    void exit78FailsTheJobAtOnce() {
        Job job = awaitFinished(round("bad", 3));
        assertEquals("PodFailurePolicy", job.getStatus().getConditions().get(0).getReason());
        assertEquals(1, kubelet.podsOf(job).size());
        assertEquals("data.prompts: line 3 is not JSON\n", terminated(kubelet.podsOf(job).get(0)));
    }

    @Test
    void retryableExitIsRetriedThenFailsWithTheLogTail() {
        Job job = awaitFinished(round("crash", 1));
        assertEquals("BackoffLimitExceeded", job.getStatus().getConditions().get(0).getReason());
        assertEquals(2, kubelet.podsOf(job).size());
        Pod last = kubelet.podsOf(job).get(1);
        assertEquals(3, last.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode());
        assertTrue(terminated(last).contains("OutOfMemoryError"), terminated(last));
    }

    @Test
    void suspendingTheJobKillsTheProcess() throws Exception {
        Job job = round("sleep", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> kubelet.podsOf(job).size() == 1
                && ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(dir.toString())));
        Path pidFile = runner.podDir(kubelet.podsOf(job).get(0)).resolve(TrainerProcessRunner.PID_FILE);
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(pidFile));
        String[] pids = Files.readString(pidFile).strip().split(" ");
        assertTrue(ProcessHandle.of(Long.parseLong(pids[0])).orElseThrow().isAlive(), "the trainer");
        assertEquals(ProcessHandle.current().pid(), Long.parseLong(pids[1]), "the local mode running it");
        // a merge patch, as the operator sends it: no resourceVersion to conflict with the kubelet's status writes
        h.client.batch().v1().jobs().resource(job).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":true}}");
        await().atMost(Duration.ofSeconds(15)).until(() -> kubelet.podsOf(job).isEmpty()
                && ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(dir.toString())));
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.notExists(pidFile));
    }

    /**
     * After kill -9 of local mode its trainer used to keep running, and a rerun started a second one on the
     * same round. A rerun stops what the pid files name, but only processes that are still that pod's trainer,
     * and not one a live local mode (another run on the same workspace) still runs.
     */
    @Test
    void leftoverTrainersOfTheWorkspaceAreStoppedAndAReusedPidIsLeftAlone() throws Exception {
        Path pods = dir.resolve("pods");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long deadLocalMode = gone.pid();
        // As an earlier, killed local mode started it: the command line names the pod's round.json ("; exit" keeps bash from exec'ing sleep).
        Path leftoverPod = Files.createDirectories(pods.resolve("team-a/old-iter-1-0"));
        Process leftover = sleeper(leftoverPod);
        Files.writeString(leftoverPod.resolve(TrainerProcessRunner.PID_FILE), leftover.pid() + " " + deadLocalMode + "\n");
        // A pid file whose pid now belongs to another program.
        Path reusedPod = Files.createDirectories(pods.resolve("team-a/old-iter-2-0"));
        Process unrelated = new ProcessBuilder("sleep", "60").start();
        Files.writeString(reusedPod.resolve(TrainerProcessRunner.PID_FILE), unrelated.pid() + " " + deadLocalMode + "\n");
        // A trainer a live local mode (this JVM, its parent) still runs.
        Path livePod = Files.createDirectories(pods.resolve("team-a/other-iter-1-0"));
        Process live = sleeper(livePod);
        Files.writeString(livePod.resolve(TrainerProcessRunner.PID_FILE), live.pid() + " " + ProcessHandle.current().pid() + "\n");
        try {
            assertEquals(List.of("pid " + leftover.pid() + " (team-a/old-iter-1-0)"), TrainerProcessRunner.reapLeftovers(pods));
            assertTrue(leftover.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the leftover trainer was stopped");
            assertTrue(unrelated.isAlive(), "an unrelated process is never killed");
            assertTrue(live.isAlive(), "a live local mode's trainer is left alone");
            assertTrue(Files.notExists(leftoverPod.resolve(TrainerProcessRunner.PID_FILE)));
            assertTrue(Files.notExists(reusedPod.resolve(TrainerProcessRunner.PID_FILE)));
            assertTrue(Files.exists(livePod.resolve(TrainerProcessRunner.PID_FILE)));
        } finally {
            leftover.destroyForcibly();
            unrelated.destroyForcibly();
            live.destroyForcibly();
        }
    }

    private static Process sleeper(Path podDir) throws java.io.IOException {
        return new ProcessBuilder("bash", "-c", "sleep 60; exit 0", "trainer", podDir.resolve("round.json").toString()).start();
    }

    @Test
    void theTrainerCommandExitsWithLocalModeAndKeepsItsMetricsOnLoopback() {
        List<String> command = TrainerProcessRunner.trainerJar(Path.of("trainer.jar"))
                .of(Path.of("round.json"), Path.of("ws"), Path.of("termination-log"));
        assertTrue(command.contains("--exit-with-parent"), command.toString());
        assertEquals("127.0.0.1", command.get(command.indexOf("--metrics-address") + 1), command.toString());
    }

    /** A stopped or hanging trainer used to hang local mode forever; roundTimeout was ignored. */
    @Test
    void aRoundTimeoutKillsTheTrainerAndFailsTheRunWithDeadlineExceeded() {
        h.startOperator();
        AlignmentRun run = OperatorHarness.run("slow", 1);
        run.getSpec().roundTimeout = "1s";
        run.getSpec().backoffLimit = 3;
        run.getSpec().trainer.env = List.of(new io.fabric8.kubernetes.api.model.EnvVar("MODE", "sleep", null));
        h.create(run);
        AlignmentRun failed = h.awaitRun("slow", OperatorHarness.phase(RunPhase.FAILED), Duration.ofSeconds(60));
        var condition = failed.getStatus().conditions.stream().filter(c -> "Failed".equals(c.getType())).findFirst().orElseThrow();
        assertEquals("DeadlineExceeded", condition.getReason(), condition.getMessage());
        Job job = h.client.batch().v1().jobs().inNamespace(OperatorHarness.NS).withName("slow-iter-0").get();
        assertEquals(1, kubelet.podsOf(job).size(), "a deadline is not retried");
        await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> p.info().commandLine().orElse("").contains(dir.toString())));
    }

    @Test
    void operatorDrivesARunToCompleteThroughLocalProcesses() {
        h.startOperator();
        AlignmentRun run = OperatorHarness.run("local-e2e", 2);
        run.getSpec().trainer.env = List.of(new io.fabric8.kubernetes.api.model.EnvVar("MODE", "ok", null));
        h.create(run);
        AlignmentRun done = h.awaitRun("local-e2e", OperatorHarness.phase(RunPhase.SUCCEEDED), Duration.ofSeconds(30));
        assertEquals(2.0, done.getStatus().iterations.get(2).metrics.get("pairs"));
        assertTrue(Files.isRegularFile(dir.resolve("workspace/runs/team-a/local-e2e/iter-2/round.json")));
    }

    /** 256 shards used to start as many trainer JVMs at once, until the machine ran out of memory. */
    @Test
    void trainersBeyondTheLimitWaitInAQueueAndStartAsOthersEnd() throws Exception {
        Job job = new RoundResources(OperatorHarness.settings()).job(roundRun(), 1);
        h.client.resource(new RoundResources(OperatorHarness.settings()).configMap(roundRun(), 1)).create();
        Path release = dir.resolve("release");
        // Each trainer marks that it started, then waits for the test to let it end.
        TrainerProcessRunner one = new TrainerProcessRunner(h.client, dir.resolve("workspace"), dir.resolve("limited"),
                (spec, ws, log) -> List.of("bash", "-c", "touch \"$1.started\"; until [ -e \"$2\" ]; do sleep 0.05; done", "trainer",
                        spec.toString(), release.toString()), 1);
        try {
            List<Pod> pods = List.of(pod(job, "shard-0"), pod(job, "shard-1"), pod(job, "shard-2"));
            var ends = pods.stream().map(p -> one.start(job, p, 0)).toList();
            Path started0 = one.podDir(pods.get(0)).resolve("round.json.started");
            Path started1 = one.podDir(pods.get(1)).resolve("round.json.started");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(started0));
            one.stop(pods.get(2)); // a queued pod that is stopped never starts
            Thread.sleep(500);
            assertTrue(Files.notExists(started1), "the second waits while the first runs");
            Files.createFile(release);
            assertTrue(ends.get(0).get(10, java.util.concurrent.TimeUnit.SECONDS) instanceof io.selfalign.testkit.kubelet.PodEnd.Succeed);
            assertTrue(ends.get(1).get(10, java.util.concurrent.TimeUnit.SECONDS) instanceof io.selfalign.testkit.kubelet.PodEnd.Succeed);
            assertTrue(Files.exists(started1));
            Thread.sleep(300);
            assertTrue(Files.notExists(one.podDir(pods.get(2)).resolve("round.json.started")) && !ends.get(2).isDone());
        } finally {
            one.stopAll();
        }
    }

    @Test
    void theMachinesLimitIsTheSmallerOfCoresAndMemoryAndAtLeastOne() {
        long gib = 1L << 30;
        assertEquals(2, TrainerSlots.limit(2, 64 * gib, gib));
        assertEquals(3, TrainerSlots.limit(16, 3 * gib + gib / 2, gib));
        assertEquals(1, TrainerSlots.limit(16, gib / 2, gib));
    }

    private static AlignmentRun roundRun() {
        AlignmentRun run = OperatorHarness.run("queue", 1);
        run.getMetadata().setUid("uid-queue");
        return run;
    }

    private static Pod pod(Job job, String name) {
        return new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(name).withNamespace(OperatorHarness.NS)
                .endMetadata().withSpec(job.getSpec().getTemplate().getSpec()).build();
    }

    /** A link planted as a pod's trainer.log had the trainer's output overwrite a file outside the workspace. */
    @Test
    void aLinkInAPodFolderIsRefusedAndTheFileItPointsToIsLeftAlone() throws Exception {
        Job job = new RoundResources(OperatorHarness.settings()).job(roundRun(), 1);
        h.client.resource(new RoundResources(OperatorHarness.settings()).configMap(roundRun(), 1)).create();
        Pod pod = pod(job, "linked");
        Path outside = Files.writeString(dir.resolve("outside.txt"), "mine");
        Path log = Files.createDirectories(runner.podDir(pod)).resolve("trainer.log");
        Files.createSymbolicLink(log, outside);
        var end = runner.start(job, pod, 0);
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> end.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(failure.getCause().getMessage().contains(log + ": a symbolic link (to " + outside + ")"), failure.getCause().getMessage());
        assertEquals("mine", Files.readString(outside));
    }
}
