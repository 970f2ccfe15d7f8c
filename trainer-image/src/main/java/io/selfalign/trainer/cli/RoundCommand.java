package io.selfalign.trainer.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.round.RoundBusyException;
import io.selfalign.trainer.round.RoundRunner;
import io.selfalign.trainer.round.ShardStage;
import io.selfalign.trainer.round.TerminationMessage;
import io.selfalign.trainer.runtime.StopSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code round}: runs one SPA round from a round spec, as the operator's Job does. */
@Command(name = "round", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs one SPA round (docs/algorithm.md §1-5) as described by a round spec (round.json, written by the operator):",
            "  iteration 0   preference-train the base model on the gold seed pairs (data.seedPreferences);",
            "  iteration k   sample generation.samplesPerPrompt responses per prompt of slice k, judge them (judge.*: by",
            "                default the policy's mean log-prob; or SPA's implicit reward against paths.judgeReference),",
            "                keep best vs worst per prompt, and train with training.loss (spa: label refinement",
            "                + de-coupled noise detection).",
            "Writes model/, pairs.jsonl, metrics.jsonl and result.json to paths.outputDir (staged, then renamed), then",
            "the result as one JSON line (<= 4 KiB) to the termination log and to stdout. A round whose result.json",
            "already holds the same spec hash is reported again without recomputing, if its files still match the",
            "manifest (size, SHA-256) in result.json; otherwise it is computed again. A model written by an earlier",
            "round that no longer matches that round's manifest is refused (exit 78, naming the file).",
            "One trainer at a time: the round's lock file (.iter-<k>.lock beside the output) keeps a second one out.",
            "Live: Prometheus metrics on runtime.metricsPort at /metrics, a progress line on stderr every 5 s.",
            "Sharded rounds (generation.shards N > 1, iteration >= 1) run in two steps: first N pods run",
            "'round --stage generate', shard i (--shard, default $JOB_COMPLETION_INDEX, which an Indexed Job sets)",
            "sampling and judging its contiguous share of the prompts into .iter-<k>.shards/shard-<i>/ beside the output",
            "(candidates.jsonl, then shard.json with the spec hash and the candidates' digest; a finished shard is reused);",
            "then one plain 'round' checks every shard, gathers them in prompt order, selects pairs and trains as above."},
        footer = {"", "Exit codes: 0 done; 78 the spec or an input is invalid (the message names the field, or file and line;",
            "never retried); 75 another trainer holds this round (its lock file is named; retryable); any other non-zero:",
            "a runtime failure (retryable).",
            "", "Example (local workspace standing for /workspace):",
            "  java -jar selfalign-trainer.jar round --spec round.json --workspace-root ./ws --termination-log ./ws/termination.txt"})
public final class RoundCommand implements Callable<Integer> {
    /** Exit code for runtime failures (the operator retries up to the run's backoffLimit). */
    public static final int EX_FAILURE = 1;
    private static final Path POD_TERMINATION_LOG = Path.of(RoundContract.TERMINATION_LOG);

    @Option(names = "--spec", required = true, paramLabel = "FILE", description = "The round spec (JSON; in a pod /etc/selfalign/round.json).")
    Path spec;

    @Option(names = "--workspace-root", paramLabel = "DIR",
            description = "Local folder standing for the spec's paths.workspace: every spec path under it is read and written here instead."
                    + " Reported paths (result.json, checkpoint) stay the spec's own.")
    Path workspaceRoot;

    @Option(names = "--termination-log", paramLabel = "FILE",
            description = "Where to write the final summary. Default: the spec's runtime.terminationLog, else /dev/termination-log when it exists.")
    Path terminationLog;

    @Option(names = "--exit-with-parent",
            description = "Exit when the process that started this trainer ends (local mode passes it, so that its trainers do not outlive it).")
    boolean exitWithParent;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Interface for the metrics endpoint (default: ${DEFAULT-VALUE}, all, as a pod needs; local mode passes 127.0.0.1).")
    String metricsAddress;

    @Option(names = RoundContract.STAGE_OPTION, paramLabel = "STAGE",
            description = "'" + RoundContract.STAGE_GENERATE + "': only generate and judge one shard of a sharded round (see above). "
                    + "Default: the whole round (with shards: gather them and train).")
    String stage;

    @Option(names = "--shard", paramLabel = "I", defaultValue = "${env:" + RoundContract.SHARD_INDEX_ENV + "}",
            description = "The shard the generate stage computes, 0-based. Default: $" + RoundContract.SHARD_INDEX_ENV + ".")
    Integer shard;

    @Override
    public Integer call() {
        if (exitWithParent) ParentWatch.exitWhenParentEnds(System.err, System::exit);
        Path termination = terminationLog;
        try {
            RoundSpec roundSpec = readSpec(spec);
            if (termination == null && roundSpec.runtime() != null && roundSpec.runtime().terminationLog() != null) {
                termination = Path.of(roundSpec.runtime().terminationLog());
            }
            termination = defaultTermination(termination);
            if (stage != null) {
                ShardStage.Summary summary = generateStage(roundSpec);
                Path log = termination;
                writeTermination(log, () -> TerminationMessage.writeShard(log, summary));
                System.out.println(TerminationMessage.shardJson(summary));
                return 0;
            }
            RoundResult result = new RoundRunner().run(roundSpec, workspaceRoot, RoundRunner.Options.commandLine(metricsAddress));
            Path log = termination;
            writeTermination(log, () -> TerminationMessage.writeResult(log, result));
            System.out.println(RoundJson.write(result));
            return 0;
        } catch (InputException e) {
            System.err.println("error: " + e.getMessage());
            Path log = defaultTermination(termination);
            writeTermination(log, () -> TerminationMessage.writeError(log, e.getMessage()));
            return RoundContract.EXIT_INVALID_INPUT;
        } catch (RoundBusyException e) {
            System.err.println("error: " + e.getMessage());
            Path log = defaultTermination(termination);
            writeTermination(log, () -> TerminationMessage.writeError(log, e.getMessage()));
            return RoundContract.EXIT_ROUND_BUSY;
        } catch (StopSignal.Stopped e) {
            // RoundRunner has removed the staging directory and released the lock: a rerun computes the round again.
            String message = "round: " + e.getMessage() + "; nothing of this attempt is kept, a rerun computes the round again";
            System.err.println(message);
            Path log = defaultTermination(termination);
            writeTermination(log, () -> TerminationMessage.writeError(log, message));
            return StopSignal.EXIT_CODE;
        } catch (Exception | Error e) {
            System.err.println("round failed: " + e);
            e.printStackTrace(System.err);
            Path log = defaultTermination(termination);
            writeTermination(log, () -> TerminationMessage.writeError(log, "round failed: " + e));
            return EX_FAILURE;
        }
    }

    private ShardStage.Summary generateStage(RoundSpec roundSpec) throws IOException {
        if (!RoundContract.STAGE_GENERATE.equals(stage)) {
            throw new InputException(RoundContract.STAGE_OPTION + ": expected '" + RoundContract.STAGE_GENERATE + "', got '" + stage + "'");
        }
        if (shard == null) {
            throw new InputException(RoundContract.STAGE_OPTION + " " + RoundContract.STAGE_GENERATE + ": needs --shard or $"
                    + RoundContract.SHARD_INDEX_ENV + " (set by an Indexed Job)");
        }
        return new ShardStage().run(roundSpec, shard, workspaceRoot, RoundRunner.Options.commandLine(metricsAddress));
    }

    /** Reads round.json; a missing or malformed file is an input error naming the file and line. */
    static RoundSpec readSpec(Path file) {
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": round spec not found");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read the round spec: " + e.getMessage());
        }
        try {
            RoundSpec s = RoundJson.readSpec(json);
            if (s == null) throw new InputException(file + ": empty round spec");
            return s;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new InputException(file + where + ": invalid round spec: " + field(e) + e.getOriginalMessage());
        }
    }

    /** The dotted spec field a mapping error is about ({@code training.loss: }), or nothing for a syntax error. */
    private static String field(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m) || m.getPath().isEmpty()) return "";
        return m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
                .collect(Collectors.joining(".")) + ": ";
    }

    private static Path defaultTermination(Path chosen) {
        if (chosen != null) return chosen;
        return Files.exists(POD_TERMINATION_LOG) ? POD_TERMINATION_LOG : null;
    }

    private interface Write {
        void run() throws IOException;
    }

    /** The termination log is how the operator learns the outcome; failing to write it is reported but does not change the exit code. */
    private static void writeTermination(Path file, Write write) {
        try {
            write.run();
        } catch (IOException | RuntimeException e) {
            System.err.println("warning: cannot write the termination log " + file + ": " + e.getMessage());
        }
    }
}
