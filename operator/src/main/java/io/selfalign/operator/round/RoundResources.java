package io.selfalign.operator.round;

import io.selfalign.api.round.RoundContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.operator.config.OperatorSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Kubernetes objects of one round (ConfigMap with round.json, Job) and of the run (owned claim). */
public final class RoundResources {
    /** Command of the trainer image; round.json is the only input. */
    public static final List<String> TRAINER_COMMAND = List.of(
            "java", "-jar", "/opt/selfalign/selfalign-trainer.jar", "round", "--spec", RoundContract.ROUND_DIR + "/" + RoundContract.ROUND_FILE);
    /** A numeric non-root user, so that runAsNonRoot holds whatever the image declares. */
    static final long TRAINER_UID = 1000L;
    /** The trainer's only writable path besides the workspace (the image sets HOME=/tmp; DJL's natives are pre-extracted). */
    static final String TMP = "/tmp";
    /** Cap of /tmp (HOME, JVM temp files): a runaway writer is evicted instead of filling the node's disk. */
    static final Quantity TMP_SIZE_LIMIT = new Quantity("2Gi");
    /**
     * Requests of a trainer whose run sets none for cpu or memory (nor a limit, from which Kubernetes would take
     * the request): without them the pod is BestEffort, the first evicted under node pressure.
     */
    static final Map<String, Quantity> DEFAULT_REQUESTS = Map.of("cpu", new Quantity("1"), "memory", new Quantity("4Gi"));

    private final OperatorSettings settings;
    private final RoundSpecs specs;

    public RoundResources(OperatorSettings settings) {
        this.settings = settings;
        this.specs = new RoundSpecs(settings.gpuResource());
    }

    public RoundSpecs specs() {
        return specs;
    }

    /** The claim mounted at /workspace: the user's, or the one the operator owns. */
    public static String claimName(AlignmentRun run) {
        String claim = run.getSpec().workspace.claimName;
        return claim != null ? claim : Rounds.ownedClaimName(run.getMetadata().getName());
    }

    public ConfigMap configMap(AlignmentRun run, int k) {
        return new ConfigMapBuilder()
                .withMetadata(metadata(run, Rounds.jobName(run.getMetadata().getName(), k), k))
                .addToData(RoundContract.ROUND_FILE, specs.round(run, k).json())
                .build();
    }

    public PersistentVolumeClaim ownedClaim(AlignmentRun run) {
        var ws = run.getSpec().workspace;
        return new PersistentVolumeClaimBuilder()
                .withMetadata(metadata(run, Rounds.ownedClaimName(run.getMetadata().getName()), null))
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(ws.storageClassName)
                .withNewResources().addToRequests("storage", new Quantity(ws.size)).endResources()
                .endSpec()
                .build();
    }

    /** Round k's Job: the whole round, or with shards its training step (gather, select, train). */
    public Job job(AlignmentRun run, int k) {
        AlignmentRunSpec s = run.getSpec();
        ObjectMeta meta = metadata(run, Rounds.jobName(run.getMetadata().getName(), k), k);
        return new JobBuilder()
                .withMetadata(meta)
                .withNewSpec()
                .withBackoffLimit(s.backoffLimit)
                .withActiveDeadlineSeconds(RoundTimeout.seconds(s.roundTimeout))
                .withSuspend(s.suspend)
                .withPodFailurePolicy(podFailurePolicy())
                .withTemplate(podTemplate(run, k, meta, List.of()))
                .endSpec()
                .build();
    }

    /**
     * The generate stage of sharded round k: an Indexed Job of {@code generation.shards} pods at once, each the
     * round's pod (same image, resources, one GPU, the round's ConfigMap) running {@code round --stage generate} for
     * the shard in {@code JOB_COMPLETION_INDEX}. A failed shard is retried alone up to the run's backoffLimit; a shard
     * out of retries fails the Job at once (maxFailedIndexes 0: the round cannot train without it).
     */
    public Job shardJob(AlignmentRun run, int k) {
        AlignmentRunSpec s = run.getSpec();
        ObjectMeta meta = metadata(run, Rounds.shardJobName(run.getMetadata().getName(), k), k);
        meta.getLabels().put(Rounds.STAGE_LABEL, Rounds.STAGE_GENERATE);
        int shards = s.generation.shards;
        return new JobBuilder()
                .withMetadata(meta)
                .withNewSpec()
                .withCompletionMode("Indexed")
                .withCompletions(shards)
                .withParallelism(shards)
                .withBackoffLimitPerIndex(s.backoffLimit)
                .withMaxFailedIndexes(0)
                .withActiveDeadlineSeconds(RoundTimeout.seconds(s.roundTimeout))
                .withSuspend(s.suspend)
                .withPodFailurePolicy(podFailurePolicy())
                .withTemplate(podTemplate(run, k, meta, List.of(RoundContract.STAGE_OPTION, RoundContract.STAGE_GENERATE)))
                .endSpec()
                .build();
    }

    /** Exit 78 (invalid input) fails the Job at once; a preempted or drained pod does not count as a failure. */
    private static PodFailurePolicy podFailurePolicy() {
        return new PodFailurePolicyBuilder()
                .addNewRule().withAction("FailJob")
                    .withNewOnExitCodes().withContainerName(Rounds.CONTAINER).withOperator("In")
                    .withValues(RoundContract.EXIT_INVALID_INPUT).endOnExitCodes()
                .endRule()
                .addNewRule().withAction("Ignore")
                    .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                .endRule()
                .build();
    }

    /** The trainer pod of round k, with the Job's labels and {@code args} after the trainer command. */
    private PodTemplateSpec podTemplate(AlignmentRun run, int k, ObjectMeta meta, List<String> args) {
        AlignmentRunSpec s = run.getSpec();
        List<EnvVar> env = new ArrayList<>();
        settings.javaToolOptions().ifPresent(opts -> env.add(new EnvVar("JAVA_TOOL_OPTIONS", opts, null)));
        if (s.trainer.env != null) env.addAll(s.trainer.env);
        // The run's own placement wins; the operator's defaults (the chart's trainer values) apply when it sets none.
        Map<String, String> nodeSelector = s.trainer.nodeSelector == null || s.trainer.nodeSelector.isEmpty()
                ? settings.trainerNodeSelector() : s.trainer.nodeSelector;
        List<Toleration> tolerations = s.trainer.tolerations == null || s.trainer.tolerations.isEmpty()
                ? settings.trainerTolerations() : s.trainer.tolerations;
        return new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(meta.getLabels()).endMetadata()
                .withNewSpec()
                    .withRestartPolicy("Never")
                    .withServiceAccountName(s.trainer.serviceAccountName)
                    // The trainer never calls the Kubernetes API: no token in the pod to steal.
                    .withAutomountServiceAccountToken(false)
                    .withPriorityClassName(s.trainer.priorityClassName)
                    .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
                    .withTolerations(tolerations.isEmpty() ? null : tolerations)
                    .withNewSecurityContext()
                        .withRunAsNonRoot(true).withRunAsUser(TRAINER_UID).withRunAsGroup(TRAINER_UID).withFsGroup(TRAINER_UID)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                    .endSecurityContext()
                    .addNewVolume().withName("workspace")
                        .withNewPersistentVolumeClaim().withClaimName(claimName(run)).endPersistentVolumeClaim()
                    .endVolume()
                    .addNewVolume().withName("round")
                        .withNewConfigMap().withName(Rounds.jobName(run.getMetadata().getName(), k)).endConfigMap()
                    .endVolume()
                    // The root filesystem is read-only; the trainer writes only /workspace and /tmp (HOME, JVM temp).
                    .addNewVolume().withName("tmp")
                        .withNewEmptyDir().withSizeLimit(TMP_SIZE_LIMIT).endEmptyDir()
                    .endVolume()
                    .addNewContainer()
                        .withName(Rounds.CONTAINER)
                        .withImage(s.trainer.image != null ? s.trainer.image : settings.trainerImage())
                        .withImagePullPolicy(s.trainer.imagePullPolicy)
                        .withCommand(TRAINER_COMMAND)
                        .withArgs(args.isEmpty() ? null : args)
                        .withEnv(env)
                        .withResources(withDefaultRequests(specs.effectiveResources(s.trainer.resources)))
                        .addNewPort().withName("metrics").withContainerPort(Rounds.METRICS_PORT).endPort()
                        .addNewVolumeMount().withName("workspace").withMountPath(RoundContract.WORKSPACE).endVolumeMount()
                        .addNewVolumeMount().withName("round").withMountPath(RoundContract.ROUND_DIR).withReadOnly(true).endVolumeMount()
                        .addNewVolumeMount().withName("tmp").withMountPath(TMP).endVolumeMount()
                        .withTerminationMessagePath(RoundContract.TERMINATION_LOG)
                        .withTerminationMessagePolicy("FallbackToLogsOnError")
                        .withNewSecurityContext()
                            .withAllowPrivilegeEscalation(false).withRunAsNonRoot(true).withReadOnlyRootFilesystem(true)
                            .withNewCapabilities().withDrop("ALL").endCapabilities()
                            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .endSecurityContext()
                    .endContainer()
                .endSpec()
                .build();
    }

    private static ResourceRequirements withDefaultRequests(ResourceRequirements resources) {
        Map<String, Quantity> requests = new LinkedHashMap<>(resources.getRequests() == null ? Map.of() : resources.getRequests());
        Map<String, Quantity> limits = resources.getLimits() == null ? Map.of() : resources.getLimits();
        DEFAULT_REQUESTS.forEach((resource, q) -> {
            if (!requests.containsKey(resource) && !limits.containsKey(resource)) requests.put(resource, q);
        });
        return new ResourceRequirementsBuilder(resources).withRequests(requests).build();
    }

    private static ObjectMeta metadata(AlignmentRun run, String name, Integer k) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Rounds.RUN_LABEL, run.getMetadata().getName());
        if (k != null) labels.put(Rounds.ITERATION_LABEL, Integer.toString(k));
        labels.put(Rounds.MANAGED_BY_LABEL, Rounds.MANAGED_BY);
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(run.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(ownerReference(run))
                .build();
    }

    public static OwnerReference ownerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }
}
