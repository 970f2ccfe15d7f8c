package io.selfalign.charts;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile read into global ARGs and named stages of instructions (enough to check what they set). ENV
 * values are expanded as Docker does from the stage's ARGs (their own default, else the global one) and
 * earlier ENVs; a variable the stage does not know, such as the base image's PATH, stays {@code ${NAME}}.
 */
final class Dockerfile {
    record Instruction(String keyword, String args) {}

    record Stage(String name, String from, List<Instruction> instructions, Map<String, String> globalArgs) {
        /** ENV of this stage, later assignments winning; quotes removed, variables expanded. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            Map<String, String> known = new LinkedHashMap<>();
            for (Instruction i : instructions) {
                if (i.keyword.equals("ARG")) {
                    String declared = i.args.contains("=") ? i.args.substring(0, i.args.indexOf('=')) : i.args;
                    Map<String, String> own = assignments(i.args);
                    String value = own.containsKey(declared) ? own.get(declared) : globalArgs.get(declared);
                    if (value != null) known.put(declared, value);
                } else if (i.keyword.equals("ENV")) {
                    Map<String, String> values = new LinkedHashMap<>();
                    assignments(i.args).forEach((name, value) -> values.put(name, expand(value, known)));
                    env.putAll(values);
                    known.putAll(values);
                }
            }
            return env;
        }

        private static String expand(String value, Map<String, String> known) {
            Matcher m = VARIABLE.matcher(value);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(known.getOrDefault(m.group(1), m.group())));
            }
            return m.appendTail(out).toString();
        }

        List<String> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword.equals(keyword)).map(Instruction::args).toList();
        }

        String last(String keyword) {
            List<String> values = all(keyword);
            if (values.isEmpty()) throw new AssertionError("stage " + name + " has no " + keyword);
            return values.get(values.size() - 1);
        }
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");

    final Map<String, String> globalArgs = new LinkedHashMap<>();
    final List<Stage> stages = new ArrayList<>();

    Dockerfile(Path file) {
        StringBuilder logical = new StringBuilder();
        for (String line : Repo.read(file).split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.length() == 0)) continue;
            if (trimmed.endsWith("\\")) {
                logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            logical.append(trimmed);
            add(logical.toString().strip());
            logical.setLength(0);
        }
    }

    private void add(String line) {
        if (line.isEmpty()) return;
        int space = line.indexOf(' ');
        String keyword = line.substring(0, space).toUpperCase();
        String args = line.substring(space + 1).strip();
        if (keyword.equals("FROM")) {
            String[] parts = args.split("\\s+");
            String name = parts.length == 3 && parts[1].equalsIgnoreCase("AS") ? parts[2] : String.valueOf(stages.size());
            stages.add(new Stage(name, parts[0], new ArrayList<>(), globalArgs));
        } else if (stages.isEmpty()) {
            if (keyword.equals("ARG")) globalArgs.putAll(assignments(args));
        } else {
            stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, args));
        }
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> s.name.equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + name + " in " + stages.stream().map(Stage::name).toList()));
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    static Map<String, String> assignments(String args) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = ASSIGNMENT.matcher(args);
        while (m.find()) {
            String v = m.group(2);
            values.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
        }
        return values;
    }
}
