package io.selfalign.trainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.keysort.GoldReward;
import io.selfalign.trainer.keysort.KeySortSampler;
import io.selfalign.trainer.keysort.KeySortTask;
import io.selfalign.trainer.keysort.KeySortVocab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How often the round's own judge picked the gold-better response: over the pairs of a round's
 * {@code pairs.jsonl} ({@code prompt, chosen, rejected, flagged, …}), the fraction whose chosen response
 * has the higher gold reward, gold ties excluded — overall, split by the refinement's flag, and split by
 * whether the chosen response is longer than, as long as or shorter than the rejected one (content tokens).
 * This is the diagnostic the SPA paper lacks: does the judge label well, does it just prefer length, and does
 * the flag find the errors? On a task with a habit ({@link KeySortTask#hasHabit()}), {@code habit} is the share of
 * pairs with the habit on exactly one side whose chosen response is the one without it: does the judge carry the
 * seed's direction against the model's own habit? Accuracies and fractions are percentages, NaN when no pair
 * falls in the group.
 */
public record SelfLabelAccuracy(int pairs, int goldTies, double overall, double flagged, double unflagged, double flaggedFraction,
                                double longer, double equal, double shorter, double chosenLongerFraction, double habit) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static SelfLabelAccuracy of(KeySortTask task, Path pairsJsonl) throws IOException {
        List<String> lines = Files.readAllLines(pairsJsonl, StandardCharsets.UTF_8);
        int pairs = 0;
        int ties = 0;
        int flaggedPairs = 0;
        int[] right = new int[2];
        int[] decided = new int[2];
        int chosenLonger = 0;
        int[] rightByLength = new int[3]; // chosen longer, equal, shorter
        int[] decidedByLength = new int[3];
        int habitPairs = 0;
        int habitAvoided = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode row = JSON.readTree(lines.get(i));
            String where = pairsJsonl + " line " + (i + 1);
            String prompt = text(row, "prompt", where);
            int[] keys = KeySortVocab.parsePrompt(prompt);
            KeySortSampler.Response chosenResponse = response(row, "chosen", where);
            KeySortSampler.Response rejectedResponse = response(row, "rejected", where);
            double chosen = chosenResponse.goldReward(task, keys);
            double rejected = rejectedResponse.goldReward(task, keys);
            if (chosenResponse.showsHabit(task) != rejectedResponse.showsHabit(task)) {
                habitPairs++;
                if (!chosenResponse.showsHabit(task)) habitAvoided++;
            }
            int relation = 1 - Integer.signum(length(row, "chosen") - length(row, "rejected"));
            if (relation == 0) chosenLonger++;
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
            decidedByLength[relation]++;
            if (chosen > rejected) {
                right[f]++;
                rightByLength[relation]++;
            }
        }
        if (pairs == 0) throw new IOException(pairsJsonl + ": no pairs");
        return new SelfLabelAccuracy(pairs, ties, percent(right[0] + right[1], decided[0] + decided[1]),
                percent(right[1], decided[1]), percent(right[0], decided[0]), 100.0 * flaggedPairs / pairs,
                percent(rightByLength[0], decidedByLength[0]), percent(rightByLength[1], decidedByLength[1]),
                percent(rightByLength[2], decidedByLength[2]), 100.0 * chosenLonger / pairs, percent(habitAvoided, habitPairs));
    }

    private static double percent(int num, int den) {
        return den == 0 ? Double.NaN : 100.0 * num / den;
    }

    /**
     * A response of the row: from the exact generated ids ({@code chosenTokens}, ending with EOS when the model
     * stopped there) when the row has them, else from the decoded text.
     */
    private static KeySortSampler.Response response(JsonNode row, String field, String where) throws IOException {
        JsonNode ids = row.get(field + "Tokens");
        if (ids == null) return KeySortSampler.Response.ofText(text(row, field, where));
        if (!ids.isArray()) throw new IOException(where + ": field '" + field + "Tokens' must be an array of token ids");
        long[] tokens = new long[ids.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = ids.get(i).asLong();
        return KeySortSampler.Response.of(tokens);
    }

    /** Content tokens of a response (EOS not counted): from its token ids when the row has them, else its words. */
    private static int length(JsonNode row, String field) {
        JsonNode ids = row.get(field + "Tokens");
        if (ids == null) {
            String text = row.get(field).asText().strip();
            return text.isEmpty() ? 0 : text.split("\\s+").length;
        }
        int n = 0;
        for (JsonNode id : ids) if (id.asLong() != KeySortVocab.EOS) n++;
        return n;
    }

    private static String text(JsonNode row, String field, String where) throws IOException {
        JsonNode n = row.get(field);
        if (n == null || !n.isTextual()) throw new IOException(where + ": missing string field '" + field + "'");
        return n.asText();
    }
}
