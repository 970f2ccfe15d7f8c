package io.selfalign.trainer.guidance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.selfalign.api.round.GuidanceAggregation;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.CheckpointException;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.NativeHeap;
import io.selfalign.trainer.runtime.StopSignal;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The token-level guidance model r_φ(x, y_<t, y_t) (Yang et al., docs/algorithm.md §6): the policy's decoder with a
 * one-output token head, saved as a Hugging Face {@code LlamaForTokenClassification} checkpoint ({@code score.weight}
 * [1, hidden], {@code score.bias} [1], {@code num_labels} 1), so transformers loads it as it is. A response's score is
 * its tokens' scores aggregated ({@link Aggregation}).
 */
public final class GuidanceModel implements AutoCloseable {
    private final DecoderModel classifier;
    private final GuidanceAggregation aggregation;
    private final long padId;

    GuidanceModel(DecoderModel classifier, GuidanceAggregation aggregation, long padId) {
        if (!classifier.config().tokenClassifier() || classifier.config().numLabels() != 1) {
            throw new IllegalArgumentException("a guidance model is a token classifier with one label, got "
                    + classifier.config().numLabels() + " labels");
        }
        this.classifier = classifier;
        this.aggregation = aggregation;
        this.padId = padId;
    }

    /** A loaded token classifier as a guidance model (it stays the caller's to close). */
    public static GuidanceModel of(DecoderModel classifier, GuidanceAggregation aggregation, long padId) {
        return new GuidanceModel(classifier, aggregation, padId);
    }

    /** A fresh guidance model: a copy of {@code policy}'s decoder and a zero head, which scores every token 0. */
    public static GuidanceModel fromPolicy(DecoderModel policy, GuidanceAggregation aggregation, long padId) {
        return new GuidanceModel(policy.tokenClassifier(1), aggregation, padId);
    }

    /** A saved guidance model; an unusable directory throws {@link CheckpointException} naming the file. */
    public static GuidanceModel load(Path dir, ComputeDevice device, GuidanceAggregation aggregation, long padId) throws IOException {
        DecoderModel m = Checkpoint.load(dir, device.device(), device.computeType());
        if (!m.config().tokenClassifier() || m.config().numLabels() != 1) {
            m.close();
            throw new CheckpointException(dir.resolve("config.json") + ": a guidance model is a ForTokenClassification checkpoint "
                    + "with num_labels 1, got " + (m.config().tokenClassifier() ? m.config().numLabels() + " labels" : "a causal LM"));
        }
        return new GuidanceModel(m, aggregation, padId);
    }

    public DecoderModel classifier() {
        return classifier;
    }

    public GuidanceAggregation aggregation() {
        return aggregation;
    }

    public long padId() {
        return padId;
    }

    /** Token scores [R] of the batch's response tokens (differentiable while the classifier is trainable). */
    public NDArray tokenScores(ScoringBatch batch) {
        return SequenceScorer.responseTokenScores(classifier, batch);
    }

    /** Sequence scores [B] of the batch's responses: token scores aggregated. */
    public NDArray sequenceScores(ScoringBatch batch) {
        return Aggregation.of(aggregation, tokenScores(batch), batch);
    }

    /** The sequence score of every (prompt, response), without gradients, {@code batchSize} at a time. */
    public double[] score(List<ScoringBatch.Pair> sequences, int batchSize) {
        double[] out = new double[sequences.size()];
        for (int start = 0; start < sequences.size(); start += batchSize) {
            StopSignal.check("guidance scoring");
            List<ScoringBatch.Pair> chunk = sequences.subList(start, Math.min(sequences.size(), start + batchSize));
            try (NDScope scope = new NDScope()) {
                float[] e = sequenceScores(ScoringBatch.of(chunk, padId, classifier.manager())).toFloatArray();
                for (int i = 0; i < e.length; i++) out[start + i] = e[i];
            }
        }
        NativeHeap.trim();
        return out;
    }

    /** The score of each response token of one (prompt, response), without gradients (for inspection and interop checks). */
    public float[] tokenScores(long[] prompt, long[] response) {
        try (NDScope scope = new NDScope()) {
            return tokenScores(ScoringBatch.of(List.of(new ScoringBatch.Pair(prompt, response)), padId, classifier.manager())).toFloatArray();
        }
    }

    /** Writes the checkpoint (config.json with LlamaForTokenClassification, model.safetensors). */
    public void save(Path dir) throws IOException {
        Checkpoint.save(classifier, dir);
    }

    /** Every (prompt, response) of some lists, in list order. */
    static List<ScoringBatch.Pair> sequences(List<RankedList> lists) {
        List<ScoringBatch.Pair> out = new ArrayList<>();
        for (RankedList l : lists) {
            for (long[] r : l.responses()) out.add(new ScoringBatch.Pair(l.prompt(), r));
        }
        return out;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
