package io.selfalign.trainer.round;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.files.FileManifest;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.judge.Candidate;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One shard's directory of a sharded round ({@link RoundContract#shardDir}): {@code candidates.jsonl}, then
 * {@code shard.json} ({@link ShardRecord}), staged and renamed into place together like a round's output, so a
 * shard directory either is complete or does not exist.
 */
final class ShardDirectory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String specDir;

    private ShardDirectory(Path dir, String specDir) {
        this.dir = dir;
        this.specDir = specDir;
    }

    static ShardDirectory of(RoundSpec spec, RoundPaths paths, int shard) {
        String specDir = RoundContract.shardDir(spec.paths().outputDir(), shard);
        return new ShardDirectory(paths.local(specDir), specDir);
    }

    Path path() {
        return dir;
    }

    /**
     * What keeps this shard's stored output from being used as shard {@code shard} of the round with spec hash
     * {@code hash} and plan {@code plan}, whose inputs now have the digests {@code inputs}
     * ({@link InputDigests#ofShard}), naming the file (as the spec names it); empty when it can be used.
     */
    Optional<String> problem(String hash, ShardPlan plan, int shard, Map<String, String> inputs) throws IOException {
        Path file = dir.resolve(RoundContract.SHARD_FILE);
        String name = specDir + "/" + RoundContract.SHARD_FILE;
        if (!Files.isRegularFile(file)) return Optional.of(name + ": missing");
        ShardRecord r;
        try {
            r = JSON.readValue(file.toFile(), ShardRecord.class);
        } catch (IOException e) {
            return Optional.of(name + ": unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (!hash.equals(r.specHash())) {
            return Optional.of(name + ": written for another round spec (hash " + abbreviated(r.specHash()) + ", this round's is "
                    + abbreviated(hash) + ")");
        }
        ShardPlan.Range range = plan.range(shard);
        if (r.shard() != shard || r.shards() != plan.shards() || r.from() != range.from() || r.to() != range.to()) {
            return Optional.of(name + ": holds prompts " + r.from() + ".." + r.to() + " as shard " + r.shard() + " of " + r.shards()
                    + ", this round's shard " + shard + " of " + plan.shards() + " is prompts " + range.from() + ".." + range.to());
        }
        if (r.manifest() == null) return Optional.of(name + ": has no manifest");
        // Same spec, other inputs (a prompt row edited, the policy model computed again): old candidates, not these.
        if (r.inputDigests() == null) return Optional.of(name + ": has no input digests (written by an older trainer)");
        Optional<String> changed = InputDigests.firstChange(r.inputDigests(), inputs, "shard " + shard);
        if (changed.isPresent()) return Optional.of(name + ": " + changed.get());
        return FileManifest.firstMismatch(dir, r.manifest()).map(m -> specDir + "/" + m);
    }

    /** The record of a shard whose {@link #problem} is empty. */
    ShardRecord record() throws IOException {
        return JSON.readValue(dir.resolve(RoundContract.SHARD_FILE).toFile(), ShardRecord.class);
    }

    /** Writes the shard's candidates and, last, its record; replaces an older output of this shard. */
    ShardRecord write(SelfLabeling.Judged judged, String hash, int iteration, int shard, ShardPlan plan, Map<String, String> inputs)
            throws IOException {
        RoundOutput output = RoundOutput.at(dir);
        Path staging = output.begin();
        try {
            try (BufferedWriter w = Files.newBufferedWriter(WorkspacePath.check(staging.resolve(RoundContract.CANDIDATES_FILE)), StandardCharsets.UTF_8)) {
                for (int i = 0; i < judged.requests().size(); i++) {
                    JudgeRequest r = judged.requests().get(i);
                    List<CandidateLine.Sample> samples = new ArrayList<>(r.candidates().size());
                    for (int j = 0; j < r.candidates().size(); j++) {
                        Candidate c = r.candidates().get(j);
                        samples.add(new CandidateLine.Sample(c.tokens(), c.finished(), judged.rewards()[i][j]));
                    }
                    w.write(JSON.writeValueAsString(new CandidateLine(judged.rows().get(i).row(), r.promptTokens(), samples)));
                    w.newLine();
                }
            }
            ShardPlan.Range range = plan.range(shard);
            ShardRecord record = new ShardRecord(hash, iteration, shard, plan.shards(), range.from(), range.to(), judged.generatedTokens(),
                    judged.generateSeconds(), judged.judgeSeconds(), FileManifest.of(staging), inputs);
            output.commit(RoundContract.SHARD_FILE, (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
            return record;
        } catch (IOException | RuntimeException e) {
            output.abandon();
            throw e;
        }
    }

    /**
     * Reads the candidates of a verified shard for the round's prompts {@code rows} (all of them, in order).
     *
     * @throws InputException a line that does not belong to this shard's prompts, naming file and line
     */
    void readInto(ShardRecord record, List<PromptRow> rows, int samplesPerPrompt, LanguageModel policy,
                  List<JudgeRequest> requests, List<double[]> rewards) throws IOException {
        Path file = dir.resolve(RoundContract.CANDIDATES_FILE);
        String name = specDir + "/" + RoundContract.CANDIDATES_FILE;
        int i = record.from();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine(), i++) {
                int lineNo = i - record.from() + 1;
                CandidateLine c = JSON.readValue(line, CandidateLine.class);
                if (i >= record.to() || c.row() != rows.get(i).row() || c.candidates().size() != samplesPerPrompt) {
                    throw new InputException(name + ":" + lineNo + ": expected row " + (i < record.to() ? rows.get(i).row() : "none")
                            + " with " + samplesPerPrompt + " candidates, got row " + c.row() + " with " + c.candidates().size());
                }
                List<Candidate> candidates = new ArrayList<>(samplesPerPrompt);
                double[] rowRewards = new double[samplesPerPrompt];
                for (int j = 0; j < samplesPerPrompt; j++) {
                    CandidateLine.Sample s = c.candidates().get(j);
                    candidates.add(new Candidate(policy.responseText(s.tokens()), s.tokens(), s.finished()));
                    rowRewards[j] = s.reward();
                }
                requests.add(new JudgeRequest(rows.get(i).prompt(), c.promptTokens(), candidates));
                rewards.add(rowRewards);
            }
        }
        if (i != record.to()) throw new InputException(name + ": " + (i - record.from()) + " lines, shard.json says " + (record.to() - record.from()));
    }

    private static String abbreviated(String hash) {
        return hash == null ? "none" : hash.substring(0, Math.min(12, hash.length()));
    }
}
