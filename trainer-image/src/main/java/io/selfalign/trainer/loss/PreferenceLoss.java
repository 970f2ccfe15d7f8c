package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/**
 * The preference-loss family (docs/algorithm.md §5), one branch per member, as TRL writes it. Works on
 * sequence scores, so the same loss serves any model; every method returns per-pair values {@code [B]}
 * (the trainer averages). Most members are a function of the DPO margin z = [S_θ(y_w) − S_ref(y_w)] −
 * [S_θ(y_l) − S_ref(y_l)]; SimPO and ORPO use the per-token mean scores Ŝ_θ instead and need no reference.
 *
 * @param name           the spec name ({@code training.loss})
 * @param beta           β
 * @param labelSmoothing ε of {@code cdpo} (assumed flip rate) and {@code rdpo}
 * @param simpoGamma     γ, SimPO's target margin
 * @param orpoLambda     λ, the weight of ORPO's odds-ratio term
 * @param guidanceKl     κ, the KL penalty of {@code guidance} on own samples
 */
public record PreferenceLoss(Loss name, double beta, double labelSmoothing, double simpoGamma, double orpoLambda, double guidanceKl) {

    /** A loss without the guidance objective's κ. */
    public PreferenceLoss(Loss name, double beta, double labelSmoothing, double simpoGamma, double orpoLambda) {
        this(name, beta, labelSmoothing, simpoGamma, orpoLambda, 0);
    }

    /** Whether the loss needs the reference model's scores (SimPO and ORPO do not; {@code guidance} only for its KL penalty). */
    public boolean usesReference() {
        return name != Loss.SIMPO && name != Loss.ORPO && !(name == Loss.GUIDANCE && guidanceKl == 0);
    }

    /**
     * Whether the loss weighs the policy's tokens by a guidance model (docs/algorithm.md §6): the trainer then passes
     * Σ_t A_t·l_t per pair in {@link PairScores#guided()}.
     */
    public boolean guided() {
        return name == Loss.GUIDANCE;
    }

    /**
     * Whether training runs SPA's confidence-based self-refinement with de-coupled noise detection for this
     * loss (docs/algorithm.md §3): the trainer then flags noisy pairs, passes their flip weights in
     * {@link PairScores#flipWeight()} and reports the flagged fraction.
     */
    public boolean refines() {
        return name == Loss.SPA;
    }

    /** The per-pair loss {@code [B]}, differentiable through the policy scores. */
    public NDArray perPair(PairScores s) {
        double e = labelSmoothing;
        return switch (name) {
            // −log σ(βz)
            case DPO -> LogSigmoid.of(s.margin().mul(beta)).neg();
            // Label smoothing with a fixed ε: −(1−ε)·log σ(βz) − ε·log σ(−βz).
            case CDPO -> weightedSigmoid(s.margin().mul(beta), 1 - e, e);
            // Unbiased under a label flip rate ε: [−(1−ε)·log σ(βz) + ε·log σ(−βz)] / (1 − 2ε).
            case RDPO -> weightedSigmoid(s.margin().mul(beta), (1 - e) / (1 - 2 * e), -e / (1 - 2 * e));
            // −(1 − ε_i)·log σ(βz) − ε_i·log σ(−βz), ε_i from self-refinement (§3): DPO for unflagged pairs,
            // cDPO with ε = α for flagged ones.
            case SPA -> smoothedSigmoid(s.margin().mul(beta), flipWeight(s));
            // (z − 1/(2τ))² on summed log-probs, with τ = β as in TRL.
            case IPO -> s.margin().sub(1 / (2 * beta)).square();
            // SLiC with a reference: max(0, 1 − βz).
            case HINGE -> s.margin().mul(-beta).add(1).maximum(0f);
            // −log σ(β·(Ŝ_θ(y_w) − Ŝ_θ(y_l)) − γ), length-normalised.
            case SIMPO -> LogSigmoid.of(s.meanPolicyChosen().sub(s.meanPolicyRejected()).mul(beta).sub(simpoGamma)).neg();
            // −Ŝ_θ(y_w) + λ·(−log σ(LO(y_w) − LO(y_l))), with the log-odds LO(y) = Ŝ − log(1 − e^Ŝ).
            case ORPO -> {
                NDArray chosen = s.meanPolicyChosen();
                NDArray logOdds = logOdds(chosen).sub(logOdds(s.meanPolicyRejected()));
                yield chosen.neg().add(LogSigmoid.of(logOdds).mul(-orpoLambda));
            }
            // −Σ_t A_t·l_t: token-weighted likelihood, the weights A_t from the guidance model (GuidedObjective).
            case GUIDANCE -> {
                if (s.guided() == null) throw new IllegalStateException("guidance needs the guidance model's weighted log-probs");
                yield s.guided().neg();
            }
        };
    }

    /**
     * The rewards logged per step for y_w and y_l, {@code [B]} each, without gradient: the implicit rewards
     * β(S_θ − S_ref) for reference-based losses, β·Ŝ_θ for reference-free ones (as TRL logs them).
     */
    public NDArray[] rewards(PairScores s) {
        if (!usesReference()) {
            return new NDArray[] {s.meanPolicyChosen().mul(beta).stopGradient(), s.meanPolicyRejected().mul(beta).stopGradient()};
        }
        return new NDArray[] {
            s.policyChosen().sub(s.referenceChosen()).mul(beta).stopGradient(),
            s.policyRejected().sub(s.referenceRejected()).mul(beta).stopGradient()
        };
    }

    private static NDArray flipWeight(PairScores s) {
        if (s.flipWeight() == null) {
            throw new IllegalStateException("spa needs the refinement's per-pair flip weights");
        }
        return s.flipWeight();
    }

    /** −(1 − ε)·log σ(βz) − ε·log σ(−βz) with a per-pair ε. */
    private static NDArray smoothedSigmoid(NDArray betaZ, NDArray epsilon) {
        NDArray keep = LogSigmoid.of(betaZ).mul(epsilon.neg().add(1));
        NDArray flip = LogSigmoid.of(betaZ.neg()).mul(epsilon);
        return keep.add(flip).neg();
    }

    /** −[a·log σ(βz) + b·log σ(−βz)] with fixed weights: cDPO and rDPO differ only in a and b. */
    private static NDArray weightedSigmoid(NDArray betaZ, double a, double b) {
        return LogSigmoid.of(betaZ).mul(-a).add(LogSigmoid.of(betaZ.neg()).mul(-b));
    }

    private static NDArray logOdds(NDArray meanLogProb) {
        return meanLogProb.sub(LogSigmoid.log1mExp(meanLogProb));
    }
}
