package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** SPA's confidence-based label refinement and de-coupled noise detection (loss {@code spa} only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RefinementSpec {
    @Default("0.1")
    @Min(0)
    @Max(value = 0.5, inclusive = false)
    @JsonPropertyDescription("Smoothing alpha: a flagged (likely mislabelled) pair's loss moves this much weight to the "
            + "reversed label. 0 disables refinement (data expansion only).")
    public double alpha = 0.1;

    @Default("0.1")
    @Min(value = 0, inclusive = false)
    @Max(value = 1, inclusive = false)
    @JsonPropertyDescription("K: pairs whose margin lies below this quantile of recent margins are flagged as noisy.")
    public double noisyFraction = 0.1;

    @Default("50")
    @Min(2)
    @JsonPropertyDescription("W: number of recent per-sample margins the quantile is taken over.")
    public int window = 50;

    @Default("0.2")
    @Min(0)
    @Max(value = 1, inclusive = false)
    @JsonPropertyDescription("Fraction of each round's optimizer steps trained without refinement (alpha = 0).")
    public double warmupFraction = 0.2;

    @Size(min = 1, max = 50)
    @JsonPropertyDescription("Extrapolation lambda per iteration (1, 2, ...) for de-coupled noise detection: margins are "
            + "judged on (1+lambda)*policy - lambda*reference logits. Iterations beyond the list halve the last value; "
            + "unset means SPA's schedule 0.5, 0.25, 0.125, ... Use [0] to refine without noise detection.")
    public List<Double> extrapolation;
}
