package io.selfalign.trainer.bench;

/** The arms of the alignment benchmark (docs/algorithm.md §8), all started from the same SFT checkpoint per seed. */
public enum Arm {
    /** (1) the SFT model itself. */
    SFT("sft"),
    /** (2) DPO on the 200 gold seed pairs — also SPA's iteration 0. */
    DPO_SEED("dpo-seed"),
    /** (3) DPO on gold pairs for the whole 6,000-prompt pool, one stage (the Zephyr analogue). */
    DPO_ALL("dpo-100%"),
    /** (4) SPA iterations 1–3 with self-refinement and de-coupled noise detection. */
    SPA("spa"),
    /** (5) SPA data expansion only: α = 0. */
    SPA_NO_REFINEMENT("spa-α=0"),
    /** (6) SPA with self-refinement but without DND: λ = 0. */
    SPA_NO_DND("spa-λ=0"),
    /** (7) the SPA loop judged by the gold reward: the upper bound of the judge. */
    ORACLE("oracle-judge"),
    /** SPA with truncated responses judged like finished ones ({@code judge.truncated: keep}, the behaviour before that option existed). */
    SPA_KEEP_TRUNCATED("spa-keep"),
    /** SPA with length-debiased rewards ({@code judge.lengthControl: regress}). */
    SPA_REGRESS("spa-regress"),
    /** SPA pairing equal-length responses only ({@code judge.lengthControl: match}), K = 4 samples per prompt. */
    SPA_MATCH("spa-match"),
    /** SPA judged against the model the policy was trained from ({@code judge.reference: previous}). */
    SPA_PREVIOUS("spa-previous"),
    /**
     * SPA judged without a reference by the policy's mean token log-prob ({@code judge.reference: none, score: mean}:
     * SimPO's reward), best and worst of K = 4 samples per prompt.
     */
    SPA_REFERENCE_FREE("spa-free"),
    /**
     * SPA judged by the length-normalised implicit reward: the mean per-token log-ratio against the SFT model
     * ({@code reference: initial, score: mean}, θ = 1), best and worst of 4.
     */
    SPA_MEAN_RATIO("spa-ratio"),
    /** Typicality plus direction: mean log π − ½·mean log π_SFT ({@code referenceWeight: 0.5}), best and worst of 4. */
    SPA_MIX("spa-mix"),
    /** θ chosen each round from 0, ¼, ½, ¾, 1 on the validation pairs ({@code judge.select: validation}), best and worst of 4. */
    SPA_SELECT("spa-select"),
    /** {@link #SPA_SELECT} with length-debiased rewards ({@code judge.lengthControl: regress}). */
    SPA_SELECT_REGRESS("spa-select-reg"),
    /**
     * Judged by the token-level guidance model ({@code judge.kind: guidance}, its mean token score), best and worst of 4,
     * trained with DPO: the guidance model as a judge.
     */
    GUIDANCE_DPO("guidance-dpo"),
    /**
     * {@link #GUIDANCE_DPO}'s judge, trained with the guidance objective ({@code training.loss: guidance}: REINFORCE
     * with the guidance model's token scores and a KL penalty): the paper's method in the SPA loop.
     */
    GUIDANCE_OBJECTIVE("guidance-obj");

    /** Whether the arm's rounds have a guidance model. */
    boolean guided() {
        return this == GUIDANCE_DPO || this == GUIDANCE_OBJECTIVE;
    }

    private final String label;

    Arm(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The arm with this table label; fails naming the known labels. */
    public static Arm byLabel(String label) {
        for (Arm a : values()) if (a.label.equals(label)) return a;
        throw new IllegalArgumentException("--arms: unknown arm '" + label + "', expected one of "
                + java.util.Arrays.stream(values()).map(Arm::label).toList());
    }

    /** The directory name of the arm's rounds (no characters a shell would trip on). */
    public String dirName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
