package io.selfalign.trainer.guidance;

import io.selfalign.trainer.judge.Candidate;
import io.selfalign.trainer.judge.Judge;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.score.ScoringBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code judge.kind: guidance}: each candidate's reward is the guidance model's aggregated token score e(x, y); the
 * round pairs the best with the worst as with every judge (docs/judge.md). One no-grad forward pass per candidate.
 */
public final class GuidanceJudge implements Judge {
    private final GuidanceModel guidance;
    private final int batchSize;

    public GuidanceJudge(GuidanceModel guidance, int batchSize) {
        this.guidance = guidance;
        this.batchSize = batchSize;
    }

    @Override
    public double[][] rewards(List<JudgeRequest> requests) {
        List<ScoringBatch.Pair> sequences = new ArrayList<>();
        for (JudgeRequest r : requests) {
            for (Candidate c : r.candidates()) sequences.add(new ScoringBatch.Pair(r.promptTokens(), c.tokens()));
        }
        double[] flat = guidance.score(sequences, batchSize);
        double[][] out = new double[requests.size()][];
        int k = 0;
        for (int i = 0; i < requests.size(); i++) {
            out[i] = new double[requests.get(i).candidates().size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = flat[k++];
        }
        return out;
    }
}
