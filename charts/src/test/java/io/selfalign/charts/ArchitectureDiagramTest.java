package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md draws a run's path through the code; the diagram names classes in backticks, some with a
 * member after them ({@code `RunDecider`.decide}). Each such class must exist as a .java file of the repository,
 * and each member must still appear in that file, so a rename cannot leave the diagram describing code that is gone.
 */
class ArchitectureDiagramTest {
    private static final Path ARCHITECTURE = Repo.ROOT.resolve("docs/architecture.md");
    /** A class name in backticks, optionally followed by {@code .member}. */
    private static final Pattern NAME = Pattern.compile("`([A-Z][A-Za-z0-9]*)`(?:\\.([A-Za-z][A-Za-z0-9]*))?");

    @Test
    void everyClassAndMemberTheRunPathDiagramNamesExists() {
        String diagram = diagram();
        Map<String, List<Path>> sources = RepoFiles.all().stream()
                .filter(p -> p.getFileName().toString().endsWith(".java"))
                .collect(Collectors.groupingBy(p -> p.getFileName().toString().replace(".java", "")));
        Set<String> named = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        Matcher m = NAME.matcher(diagram);
        while (m.find()) {
            String type = m.group(1);
            String member = m.group(2);
            named.add(type);
            List<Path> files = sources.get(type);
            if (files == null) {
                missing.add(type + ": no " + type + ".java in the repository");
            } else if (member != null && files.stream().noneMatch(f -> mentions(f, member))) {
                missing.add(type + "." + member + ": " + type + ".java has no " + member);
            }
        }
        assertTrue(named.size() >= 15, "the diagram should name the classes along the path, found " + named);
        assertEquals(List.of(), missing, "docs/architecture.md's diagram names code that does not exist");
    }

    /** The first {@code ```text} block after the heading of a run's path. */
    private static String diagram() {
        String doc = Repo.read(ARCHITECTURE);
        int heading = doc.indexOf("## A run's path");
        assertTrue(heading >= 0, "docs/architecture.md has no section \"A run's path\"");
        int start = doc.indexOf("```text\n", heading);
        assertTrue(start >= 0, "no ```text diagram in docs/architecture.md's section \"A run's path\"");
        int end = doc.indexOf("\n```", start + 8);
        return doc.substring(start + 8, end);
    }

    private static boolean mentions(Path file, String member) {
        return Pattern.compile("\\b" + Pattern.quote(member) + "\\b").matcher(Repo.read(file)).find();
    }
}
