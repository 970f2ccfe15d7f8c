package io.selfalign.trainer.runtime;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Counts the engine ops a piece of work dispatches, as PyTorch itself records them: the work runs under
 * the PyTorch profiler, and every outermost event of its trace is one op (an {@code aten::} call from
 * Java, or one autograd node of a backward pass). Ops an op calls internally (linear → matmul → mm) are
 * not counted again: on a GPU each outermost op is one trip through JNI and the dispatcher, which is what
 * sets the speed of small-batch decoding. Profiling slows the work: count once, time separately.
 */
public final class OpCounter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Outermost ops of one run, by name. */
    public record OpCount(Map<String, Long> byName) {
        public long total() {
            return byName.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private record Event(String name, double start, double end) {
    }

    private OpCounter() {
    }

    /** Runs {@code work} under the profiler and counts the ops it dispatched. */
    public static OpCount count(Runnable work) {
        Path trace = null;
        try {
            trace = Files.createTempFile("selfalign-ops", ".json");
            JniUtils.startProfile(false, false, false);
            try {
                work.run();
            } finally {
                JniUtils.stopProfile(trace.toString());
            }
            return outermost(JSON.readTree(trace.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (trace != null) {
                trace.toFile().delete();
            }
        }
    }

    /** Complete ("X") events not nested in another event of the same thread. */
    static OpCount outermost(JsonNode trace) {
        JsonNode events = trace.isArray() ? trace : trace.path("traceEvents");
        Map<String, List<Event>> byThread = new TreeMap<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText())) {
                continue;
            }
            double start = e.path("ts").asDouble();
            byThread.computeIfAbsent(e.path("pid").asText() + "/" + e.path("tid").asText(), k -> new ArrayList<>())
                    .add(new Event(e.path("name").asText(), start, start + e.path("dur").asDouble()));
        }
        Map<String, Long> counts = new TreeMap<>();
        for (List<Event> thread : byThread.values()) {
            // Parents first: earlier start, and at equal starts the longer event.
            thread.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::end).reversed()));
            Deque<Double> openEnds = new ArrayDeque<>();
            for (Event e : thread) {
                while (!openEnds.isEmpty() && openEnds.peek() <= e.start()) {
                    openEnds.pop();
                }
                if (openEnds.isEmpty()) {
                    counts.merge(e.name(), 1L, Long::sum);
                }
                openEnds.push(e.end());
            }
        }
        return new OpCount(counts);
    }

    /** "12 aten::mul, 8 aten::add, ..." most frequent first, for reports. */
    public static String describe(OpCount count) {
        return count.byName().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }
}
