package io.selfalign.operator.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.testing.OperatorHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the validator says about specs no API server sends (built in code), without an API server. */
class SpecValidatorTest {
    final SpecValidator validator = new SpecValidator(new RoundSpecs("nvidia.com/gpu"));

    /** JSON and YAML nulls keep the defaults; a spec built in code can still hold a null section: named, no NPE. */
    @Test
    void aNullSectionIsNamedInsteadOfFailingTheValidator() {
        AlignmentRun run = OperatorHarness.run("r", 1);
        run.getSpec().generation = null;
        run.getSpec().training.refinement = null;
        assertEquals(List.of("spec.generation: must be an object; omit it (or write {}) for the defaults",
                "spec.training.refinement: must be an object; omit it (or write {}) for the defaults"), validator.validate(run));
    }

    @Test
    void anUnknownEnumNameIsNamedWithTheAllowedOnes() throws Exception {
        AlignmentRun run = parse("""
                apiVersion: selfalign.io/v1alpha1
                kind: AlignmentRun
                metadata: {name: r, namespace: team-a}
                spec:
                  model: {path: models/sft, dtype: bfloat16}
                  data: {prompts: data/p.jsonl, promptsPerIteration: [8], seedPreferences: data/s.jsonl}
                  workspace: {claimName: shared}
                  judge: {truncated: drop}
                """);
        assertEquals(List.of("spec.model.dtype: must be one of [float32, float16], got an unknown name or none",
                "spec.judge.truncated: must be one of [exclude, keep], got an unknown name or none"), validator.validate(run));
    }

    @Test
    void theGuidanceJudgeNeedsSeedPairsAndItsSettingsAreNamed() throws Exception {
        AlignmentRun run = parse("""
                apiVersion: selfalign.io/v1alpha1
                kind: AlignmentRun
                metadata: {name: r, namespace: team-a}
                spec:
                  model: {path: models/sft}
                  data: {prompts: data/p.jsonl, promptsPerIteration: [8]}
                  workspace: {claimName: shared}
                  judge: {kind: guidance}
                  training: {guidance: {aggregation: median, learningRate: 0}}
                """);
        assertEquals(List.of("spec.judge.kind: guidance needs spec.data.seedPreferences: the guidance model is fitted to them before it judges",
                "spec.training.guidance.aggregation: must be one of [mean, sum, min], got an unknown name or none",
                "spec.training.guidance.learningRate: must be > 0, got 0.0"), validator.validate(run).stream().sorted().toList());
        AlignmentRun typo = parse("""
                apiVersion: selfalign.io/v1alpha1
                kind: AlignmentRun
                metadata: {name: r, namespace: team-a}
                spec:
                  model: {path: models/sft}
                  data: {prompts: data/p.jsonl, promptsPerIteration: [8], seedPreferences: data/s.jsonl}
                  workspace: {claimName: shared}
                  judge: {kind: guidence}
                """);
        assertEquals(List.of("spec.judge.kind: must be one of [likelihood, guidance], got an unknown name or none"), validator.validate(typo));
    }

    /** A run as the API server would hand it over from this YAML. */
    private static AlignmentRun parse(String yaml) {
        return new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(yaml, AlignmentRun.class);
    }
}
