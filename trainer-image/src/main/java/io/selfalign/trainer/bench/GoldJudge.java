package io.selfalign.trainer.bench;

import io.selfalign.trainer.judge.Candidate;
import io.selfalign.trainer.judge.Judge;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.keysort.KeySortSampler;
import io.selfalign.trainer.keysort.KeySortTask;
import io.selfalign.trainer.keysort.KeySortVocab;
import java.util.List;

/**
 * The oracle judge of the benchmark's arm 7: labels each candidate with its task's gold reward, so the
 * SPA loop runs with a perfect judge. Benchmark only — a real run never sees the gold reward.
 */
public final class GoldJudge implements Judge {
    private final KeySortTask task;

    public GoldJudge(KeySortTask task) {
        this.task = task;
    }

    @Override
    public double[][] rewards(List<JudgeRequest> requests) {
        double[][] out = new double[requests.size()][];
        for (int i = 0; i < out.length; i++) {
            JudgeRequest r = requests.get(i);
            int[] keys = KeySortVocab.parsePrompt(r.prompt().text());
            List<Candidate> c = r.candidates();
            out[i] = new double[c.size()];
            for (int j = 0; j < c.size(); j++) out[i][j] = KeySortSampler.Response.of(c.get(j).tokens()).goldReward(task, keys);
        }
        return out;
    }
}
