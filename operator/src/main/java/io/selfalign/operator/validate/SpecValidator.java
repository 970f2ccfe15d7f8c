package io.selfalign.operator.validate;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.operator.config.TrainerPolicy;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.round.RoundTimeout;
import io.selfalign.operator.round.Rounds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the reconciler checks before it creates anything. Each problem names its field path
 * ({@code spec.training.microBatchSize: ...}) so the SpecValid condition tells the user what to fix.
 */
public final class SpecValidator {
    private static final java.util.regex.Pattern ENV_NAME = java.util.regex.Pattern.compile("^[-._a-zA-Z][-._a-zA-Z0-9]*$");

    private final RoundSpecs specs;
    private final TrainerPolicy policy;

    public SpecValidator(RoundSpecs specs, TrainerPolicy policy) {
        this.specs = specs;
        this.policy = policy;
    }

    /** A validator with the open trainer policy. */
    public SpecValidator(RoundSpecs specs) {
        this(specs, TrainerPolicy.OPEN);
    }

    public List<String> validate(AlignmentRun run) {
        List<String> p = new ArrayList<>();
        String name = run.getMetadata().getName();
        ObjectNames.nameProblem("metadata.name", name).ifPresent(p::add);
        if (name.length() > Rounds.MAX_RUN_NAME) {
            p.add("metadata.name: at most " + Rounds.MAX_RUN_NAME + " characters (Job names derive from it), got " + name.length());
        }
        AlignmentRunSpec s = run.getSpec();
        if (s == null) {
            p.add("spec: required");
            return p;
        }
        if (nullSections(p, s)) return p;
        SchemaRules.check(s, "spec.", p);
        if (s.model != null) relativePath(p, "spec.model.path", s.model.path);
        if (s.data != null) {
            relativePath(p, "spec.data.seedPreferences", s.data.seedPreferences);
            relativePath(p, "spec.data.prompts", s.data.prompts);
            relativePath(p, "spec.data.validationPreferences", s.data.validationPreferences);
            heldOut(p, s);
            promptsPerIteration(p, s);
            if (s.guard != null && Boolean.TRUE.equals(s.guard.stopOnDecline) && s.data.validationPreferences == null) {
                p.add("spec.guard.stopOnDecline: needs spec.data.validationPreferences (the held-out pairs whose accuracy it watches)");
            }
            if (s.iterations == 0 && s.data.seedPreferences == null) {
                p.add("spec.iterations: 0 runs the seed round alone, which needs spec.data.seedPreferences (the gold pairs it trains on)");
            }
        }
        if (s.training != null) training(p, s);
        if (s.judge != null && s.judge.kind == JudgeKind.GUIDANCE && s.data != null && s.data.seedPreferences == null) {
            p.add("spec.judge.kind: guidance needs spec.data.seedPreferences: the guidance model is fitted to them before it judges");
        }
        if (s.trainer != null) {
            trainer(p, s);
            p.addAll(policy.problems(s.trainer));
        }
        if (s.workspace != null) workspace(p, s);
        if (s.roundTimeout != null) {
            try {
                RoundTimeout.seconds(s.roundTimeout);
            } catch (IllegalArgumentException e) {
                p.add("spec.roundTimeout: expected a positive duration such as 6h, 90m or 1h30m, got '"
                        + UserValue.shown(s.roundTimeout) + "'");
            }
        }
        AlignmentRunStatus status = run.getStatus();
        if (status != null) startedRun(p, s, status);
        if (p.isEmpty()) roundContract(p, run);
        return p;
    }

    /** The spec fields a started run must keep: the paths its rounds already used. */
    public static Map<String, String> inputs(AlignmentRunSpec s) {
        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("spec.model.path", s.model.path);
        inputs.put("spec.model.dtype", Objects.toString(s.model.dtype, null));
        inputs.put("spec.data.seedPreferences", Objects.toString(s.data.seedPreferences, ""));
        inputs.put("spec.data.prompts", s.data.prompts);
        inputs.put("spec.workspace.claimName", Objects.toString(s.workspace.claimName, ""));
        inputs.put("spec.workspace.storageClassName", Objects.toString(s.workspace.storageClassName, ""));
        inputs.put("spec.workspace.size", Objects.toString(s.workspace.size, ""));
        return inputs;
    }

    private static void relativePath(List<String> p, String field, String value) {
        if (value == null || value.isBlank()) return;
        if (value.startsWith("/") || Path.of(value).isAbsolute()) {
            p.add(field + ": must be relative to the workspace volume root, got absolute path " + UserValue.shown(value));
        } else if (Path.of(value).normalize().startsWith("..") || List.of(value.split("/")).contains("..")) {
            p.add(field + ": must stay inside the workspace volume ('..' is not allowed), got " + UserValue.shown(value));
        }
    }

    /**
     * Sections given as an explicit null ({@code generation:} with nothing after it). Jackson keeps the defaults for
     * a null in JSON or YAML, so this is a spec built in code; each later check reads these sections.
     */
    private static boolean nullSections(List<String> p, AlignmentRunSpec s) {
        Map<String, Object> sections = new LinkedHashMap<>();
        sections.put("spec.generation", s.generation);
        sections.put("spec.judge", s.judge);
        sections.put("spec.guard", s.guard);
        sections.put("spec.training", s.training);
        sections.put("spec.trainer", s.trainer);
        sections.put("spec.training.refinement", s.training == null ? "" : s.training.refinement);
        int before = p.size();
        sections.forEach((field, v) -> {
            if (v == null) p.add(field + ": must be an object; omit it (or write {}) for the defaults");
        });
        return p.size() > before;
    }

    /** Held-out pairs that are the training pairs measure nothing: the same file is refused here, overlap by content in round 0. */
    private static void heldOut(List<String> p, AlignmentRunSpec s) {
        String seed = s.data.seedPreferences;
        String validation = s.data.validationPreferences;
        if (seed == null || validation == null || seed.isBlank() || validation.isBlank()) return;
        if (Path.of(seed).normalize().equals(Path.of(validation).normalize())) {
            p.add("spec.data.validationPreferences: is spec.data.seedPreferences (" + UserValue.shown(seed) + "), which the seed "
                    + "round trains on; held-out pairs must be pairs no round trains on, in a file of their own");
        }
    }

    /** Prompts per iteration and for the whole run: the trainer adds them up into row offsets. */
    public static final long MAX_PROMPTS = 1_000_000_000L;

    private static void promptsPerIteration(List<String> p, AlignmentRunSpec s) {
        List<Long> counts = s.data.promptsPerIteration;
        if (counts == null || counts.isEmpty()) return;
        boolean entriesOk = true;
        for (int i = 0; i < counts.size(); i++) {
            Long n = counts.get(i);
            if (n == null || n < 1) {
                p.add("spec.data.promptsPerIteration[" + i + "]: must be >= 1, got " + n);
                entriesOk = false;
            } else if (n > MAX_PROMPTS) {
                p.add("spec.data.promptsPerIteration[" + i + "]: must be <= " + MAX_PROMPTS + ", got " + n);
                entriesOk = false;
            }
        }
        if (counts.size() != 1 && counts.size() < s.iterations) {
            p.add("spec.data.promptsPerIteration: give one number or one per iteration (" + s.iterations + "), got "
                    + counts.size() + " entries");
        } else if (entriesOk) {
            long total = 0;
            for (int k = 1; k <= s.iterations; k++) total += counts.get(counts.size() == 1 ? 0 : k - 1);
            if (total > MAX_PROMPTS) {
                p.add("spec.data.promptsPerIteration: the " + s.iterations + " iterations use " + total + " prompts in all, more than "
                        + MAX_PROMPTS);
            }
        }
    }

    private static void training(List<String> p, AlignmentRunSpec s) {
        var t = s.training;
        if (t.microBatchSize >= 1 && t.batchSize >= 1 && t.batchSize % t.microBatchSize != 0) {
            p.add("spec.training.microBatchSize: must divide spec.training.batchSize (" + t.batchSize + "), got " + t.microBatchSize);
        }
        if (t.maxPromptLength >= t.maxLength) {
            p.add("spec.training.maxPromptLength: must be below spec.training.maxLength (" + t.maxLength + "), got " + t.maxPromptLength);
        }
        if (t.lora != null && t.lora.targetModules != null) {
            p.addAll(RoundSpec.Lora.targetModuleProblems("spec.training.lora.targetModules", t.lora.targetModules, UserValue::shown));
        }
        if (t.refinement != null && t.refinement.extrapolation != null) {
            List<Double> lambdas = t.refinement.extrapolation;
            if (lambdas.size() > s.iterations) {
                p.add("spec.training.refinement.extrapolation: " + lambdas.size() + " entries for " + s.iterations + " iterations");
            }
            for (int i = 0; i < lambdas.size(); i++) {
                if (lambdas.get(i) == null || !(lambdas.get(i) >= 0)) {
                    p.add("spec.training.refinement.extrapolation[" + i + "]: must be >= 0, got " + lambdas.get(i));
                }
            }
        }
    }

    private static void trainer(List<String> p, AlignmentRunSpec s) {
        var tr = s.trainer;
        if (tr.image != null && tr.image.isBlank()) p.add("spec.trainer.image: must not be empty (omit it for the default image)");
        ResourceRequirements res = tr.resources;
        if (res != null) {
            quantities(p, "spec.trainer.resources.limits", res.getLimits());
            quantities(p, "spec.trainer.resources.requests", res.getRequests());
        }
        if (tr.env != null) {
            for (int i = 0; i < tr.env.size(); i++) {
                EnvVar e = tr.env.get(i);
                if (e.getName() == null || !ENV_NAME.matcher(e.getName()).matches()) {
                    p.add("spec.trainer.env[" + i + "].name: not a valid environment variable name: " + UserValue.shown(e.getName()));
                }
            }
        }
    }

    private static void quantities(List<String> p, String field, Map<String, Quantity> quantities) {
        if (quantities == null) return;
        quantities.forEach((resource, q) -> {
            try {
                if (q == null || q.getNumericalAmount().signum() < 0) {
                    p.add(field + "." + resource + ": must be a non-negative quantity, got " + UserValue.shown(q));
                }
            } catch (IllegalArgumentException | ArithmeticException e) {
                p.add(field + "." + resource + ": not a quantity: " + UserValue.shown(q));
            }
        });
    }

    private static void workspace(List<String> p, AlignmentRunSpec s) {
        var ws = s.workspace;
        boolean claim = ws.claimName != null;
        boolean owned = ws.storageClassName != null || ws.size != null;
        if (claim == owned) {
            p.add("spec.workspace: set either claimName (an existing claim) or storageClassName and size (a new claim)");
        } else if (owned) {
            if (ws.storageClassName == null) p.add("spec.workspace.storageClassName: required with spec.workspace.size");
            if (ws.size == null) {
                p.add("spec.workspace.size: required with spec.workspace.storageClassName");
            } else {
                quantities(p, "spec.workspace", Map.of("size", new Quantity(ws.size)));
            }
        }
    }

    private static void startedRun(List<String> p, AlignmentRunSpec s, AlignmentRunStatus status) {
        if (status.inputs != null && s.model != null && s.data != null && s.workspace != null) {
            inputs(s).forEach((field, value) -> {
                String was = status.inputs.get(field);
                if (was != null && !was.equals(value)) {
                    p.add(field + ": cannot change once the run has started (was '" + UserValue.shown(was)
                            + "', now '" + UserValue.shown(value) + "')");
                }
            });
        }
        int highestStarted = status.iterations == null ? -1
                : status.iterations.stream().filter(it -> it.job != null).mapToInt(it -> it.index).max().orElse(-1);
        // Refused rather than ending the run at the lower count: a started round's Job, model and status entry would
        // be left behind, or a running round cut off, by an edit that reads like "fewer rounds from now on".
        if (highestStarted > s.iterations) {
            p.add("spec.iterations: " + s.iterations + " is below iteration " + highestStarted + ", which has already started; rounds are "
                    + "not undone: set spec.iterations to " + highestStarted + " or more (to stop a run, set spec.suspend: true)");
        }
    }

    /** Last line of defence: every round this run would write must satisfy the trainer's own checks. */
    private void roundContract(List<String> p, AlignmentRun run) {
        boolean seed = run.getSpec().data.seedPreferences != null;
        for (int k = seed ? 0 : 1; k <= run.getSpec().iterations; k++) {
            for (String problem : specs.round(run, k).problems()) p.add("round " + k + " (round.json) " + problem);
        }
    }

}
