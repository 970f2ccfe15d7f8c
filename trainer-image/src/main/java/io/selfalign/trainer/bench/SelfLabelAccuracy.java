package io.selfalign.trainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.keysort.GoldReward;
import io.selfalign.trainer.keysort.KeySortSampler;
import io.selfalign.trainer.keysort.KeySortVocab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How often the round's own judge picked the gold-better response: over the pairs of a round's
 * {@code pairs.jsonl} ({@code prompt, chosen, rejected, flagged, …}), the fraction whose chosen response
 * has the higher gold reward, gold ties excluded — overall and split by the refinement's flag. This is the
 * diagnostic the SPA paper lacks: does the implicit reward label well, and does the flag find the errors?
 */
public record SelfLabelAccuracy(int pairs, int goldTies, double overall, double flagged, double unflagged, double flaggedFraction) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static SelfLabelAccuracy of(Path pairsJsonl) throws IOException {
        List<String> lines = Files.readAllLines(pairsJsonl, StandardCharsets.UTF_8);
        int pairs = 0;
        int ties = 0;
        int flaggedPairs = 0;
        int[] right = new int[2];
        int[] decided = new int[2];
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode row = JSON.readTree(lines.get(i));
            String where = pairsJsonl + " line " + (i + 1);
            String prompt = text(row, "prompt", where);
            double chosen = reward(row, prompt, "chosen", where);
            double rejected = reward(row, prompt, "rejected", where);
            JsonNode flag = row.get("flagged");
            // a round whose loss has no refinement writes no flag: all its pairs count as unflagged
            if (flag != null && !flag.isBoolean()) throw new IOException(where + ": field 'flagged' must be a boolean");
            int f = flag != null && flag.asBoolean() ? 1 : 0;
            pairs++;
            flaggedPairs += f;
            if (GoldReward.tie(chosen, rejected)) {
                ties++;
                continue;
            }
            decided[f]++;
            if (chosen > rejected) right[f]++;
        }
        if (pairs == 0) throw new IOException(pairsJsonl + ": no pairs");
        return new SelfLabelAccuracy(pairs, ties, percent(right[0] + right[1], decided[0] + decided[1]),
                percent(right[1], decided[1]), percent(right[0], decided[0]), 100.0 * flaggedPairs / pairs);
    }

    private static double percent(int num, int den) {
        return den == 0 ? Double.NaN : 100.0 * num / den;
    }

    /**
     * Gold reward of a response: from the exact generated ids ({@code chosenTokens}, ending with EOS when
     * the model stopped there) when the row has them, else from the decoded text.
     */
    private static double reward(JsonNode row, String prompt, String field, String where) throws IOException {
        JsonNode ids = row.get(field + "Tokens");
        if (ids == null) return GoldReward.score(prompt, text(row, field, where));
        if (!ids.isArray()) throw new IOException(where + ": field '" + field + "Tokens' must be an array of token ids");
        long[] tokens = new long[ids.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = ids.get(i).asLong();
        return KeySortSampler.Response.of(tokens).goldReward(KeySortVocab.parsePrompt(prompt));
    }

    private static String text(JsonNode row, String field, String where) throws IOException {
        JsonNode n = row.get(field);
        if (n == null || !n.isTextual()) throw new IOException(where + ": missing string field '" + field + "'");
        return n.asText();
    }
}
