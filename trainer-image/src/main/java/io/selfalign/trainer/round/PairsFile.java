package io.selfalign.trainer.round;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.train.PreferenceTrainer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pairs.jsonl}: one line per training pair, readable as seed-preference input
 * ({@code prompt}/{@code messages}, {@code chosen}, {@code rejected}) plus {@code chosenReward},
 * {@code rejectedReward} (the judge's rewards; absent for gold seed pairs), {@code confidence}
 * σ(μ) and {@code flagged} from the pair's last training visit, the exact token ids
 * ({@code promptTokens}, {@code chosenTokens}, {@code rejectedTokens}, before length limits), and
 * {@code source} with {@code line} (seed file) or {@code row} (prompts file).
 */
public final class PairsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PairsFile() {}

    /**
     * @param outcomes the trainer's per-pair outcomes, index-aligned with {@code pairs} (entries null when
     *                 the pair was not trained, e.g. zero epochs)
     */
    public static void write(Path file, List<LabeledPair> pairs, List<PreferenceTrainer.PairOutcome> outcomes) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(WorkspacePath.check(file), StandardCharsets.UTF_8)) {
            for (int i = 0; i < pairs.size(); i++) {
                LabeledPair p = pairs.get(i);
                Map<String, Object> row = new LinkedHashMap<>();
                if (p.prompt().isChat()) row.put("messages", p.prompt().messages());
                else row.put("prompt", p.prompt().text());
                row.put("chosen", p.chosen());
                row.put("rejected", p.rejected());
                if (p.chosenReward() != null) row.put("chosenReward", p.chosenReward());
                if (p.rejectedReward() != null) row.put("rejectedReward", p.rejectedReward());
                PreferenceTrainer.PairOutcome o = i < outcomes.size() ? outcomes.get(i) : null;
                if (o != null) {
                    row.put("confidence", o.confidence());
                    row.put("flagged", o.flagged());
                }
                row.put("source", p.source());
                row.put(p.source().equals("seed") ? "line" : "row", p.origin());
                row.put("promptTokens", p.tokens().prompt());
                row.put("chosenTokens", p.tokens().chosen());
                row.put("rejectedTokens", p.tokens().rejected());
                w.write(JSON.writeValueAsString(row));
                w.newLine();
            }
        }
    }
}
