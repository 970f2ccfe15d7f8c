package io.selfalign.trainer.judge;

import java.util.List;

/**
 * Scores candidate responses; the round keeps the best and the worst of each prompt as a pair. SPA's
 * judge is {@link ImplicitRewardJudge}; a benchmark can plug in a gold-reward oracle instead.
 */
public interface Judge {
    /**
     * The reward of every candidate: {@code result[i][j]} for request i, candidate j. Higher is better;
     * only the order within a prompt matters for labeling.
     */
    double[][] rewards(List<JudgeRequest> requests);
}
