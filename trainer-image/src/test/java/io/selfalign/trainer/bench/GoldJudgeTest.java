package io.selfalign.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.selfalign.trainer.data.PromptInput;
import io.selfalign.trainer.judge.Candidate;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.keysort.KeySortTask;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoldJudgeTest {
    @Test
    void scoresCandidateTokensWithTheGoldReward() {
        var request = new JudgeRequest(PromptInput.text("<s> k09 k05 <sep>"), new long[] {1, 9, 5, 2}, List.of(
                new Candidate("k05 k09", new long[] {5, 9, 3}, true),      // ideal: 3
                new Candidate("k09 k05", new long[] {9, 5, 3}, true),      // cov 1, ord 0: 2
                new Candidate("k09", new long[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, false))); // no EOS: cut at 12
        // runaway: twelve 9s, cov 1/2 → 2·½ = 1, ord 0, dup 11/12, no EOS −1 → −11/12
        assertArrayEquals(new double[] {3, 2, -11.0 / 12}, new GoldJudge(KeySortTask.KEYSORT).rewards(List.of(request))[0], 1e-12);
    }
}
