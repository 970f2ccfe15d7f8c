package io.selfalign.trainer.round;

import io.selfalign.trainer.judge.Candidate;
import io.selfalign.trainer.judge.Judge;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.judge.LengthDebias;
import java.util.ArrayList;
import java.util.List;

/**
 * How often a judge agrees with gold labels: the share of gold pairs whose chosen response gets the higher
 * reward (ties count ½). On held-out validation pairs this is {@code judge_accuracy} / {@code validation_accuracy};
 * on the seed pairs the model was trained on it is the in-sample {@code seed_agreement}.
 */
final class JudgeAgreement {
    private JudgeAgreement() {}

    /** @param debias the round's length term, subtracted from both rewards of a pair (zero slope: none) */
    static double of(Judge judge, List<LabeledPair> goldPairs, LengthDebias debias) {
        double[][] rewards = judge.rewards(requests(goldPairs));
        double agree = 0;
        for (int i = 0; i < rewards.length; i++) {
            double chosen = debias.apply(rewards[i][0], goldPairs.get(i).tokens().chosen().length);
            double rejected = debias.apply(rewards[i][1], goldPairs.get(i).tokens().rejected().length);
            agree += chosen > rejected ? 1 : chosen == rejected ? 0.5 : 0;
        }
        return agree / rewards.length;
    }

    /** Gold pairs as judge requests: two finished candidates each, the chosen first. */
    static List<JudgeRequest> requests(List<LabeledPair> goldPairs) {
        List<JudgeRequest> requests = new ArrayList<>(goldPairs.size());
        for (LabeledPair p : goldPairs) {
            requests.add(new JudgeRequest(p.prompt(), p.tokens().prompt(), List.of(
                    new Candidate(p.chosen(), p.tokens().chosen(), true), new Candidate(p.rejected(), p.tokens().rejected(), true))));
        }
        return requests;
    }
}
