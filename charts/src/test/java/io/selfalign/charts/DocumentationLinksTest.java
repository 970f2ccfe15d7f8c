package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The repository stands alone and its documentation holds together: every relative link (and #anchor) in its
 * Markdown resolves to a file of the repository, no file refers to a path outside it, and no text cites an issue
 * number instead of saying why.
 */
class DocumentationLinksTest {
    /** Inline links and images, {@code [text](target "title")}; the target is group 1. */
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** Reference definitions, {@code [label]: target}; they start a block (after a blank line or another definition). */
    private static final Pattern REFERENCE_LINK = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    /** HTML links and images. */
    private static final Pattern HTML_LINK = Pattern.compile("(?:href|src)\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:|^//");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");

    /**
     * Paths outside the repository: the sibling folder the project's notes once lived in and the notes files there
     * (the algorithm notes became docs/algorithm.md), and absolute paths of the machine it was developed on. Written
     * with character classes so that this file does not match itself.
     */
    private static final Pattern OUTSIDE =
            Pattern.compile("\\.\\./share[d]\\b|/wor[k]/|\\bshare[d]/|\\b[A]LGORITHMS\\b|\\b[N]OTES\\.md|\\b[D]ESIGN\\.md");
    /** An issue number standing in for a reason: "issue" or "issues", then a number, with a space, hyphen or '#' between. */
    private static final Pattern ISSUE_NUMBER = Pattern.compile("(?i)\\bissues?[ _-]?#?[0-9]+");

    @Test
    void everyRelativeLinkAndAnchorInTheMarkdownResolvesInsideTheRepository() {
        List<Path> markdown = markdownFiles();
        assertTrue(markdown.contains(Repo.ROOT.resolve("README.md")) && markdown.contains(Repo.ROOT.resolve("docs/algorithm.md")),
                "the scan must see README.md and docs/: " + markdown);
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : markdown) {
            for (Link link : links(file)) {
                checked++;
                String problem = resolve(file, link.target(), anchors);
                if (problem != null) broken.add(RepoFiles.name(file) + ":" + link.line() + ": " + link.target() + " — " + problem);
            }
        }
        assertTrue(checked > 50, "too few links found (" + checked + "): is the parser still reading the docs?");
        assertEquals(List.of(), broken, "broken links");
    }

    @Test
    void noFileRefersToAPathOutsideTheRepository() {
        assertEquals(List.of(), hits(OUTSIDE), "references to paths outside the repository (name the file in the repository instead)");
    }

    @Test
    void noFileCitesAnIssueNumberInsteadOfAReason() {
        assertEquals(List.of(), hits(ISSUE_NUMBER), "issue numbers mean nothing to a reader of the repository: say why instead");
    }

    /** A link's problem, or null when it resolves. */
    private static String resolve(Path from, String target, Map<Path, Set<String>> anchors) {
        if (SCHEME.matcher(target).find()) return null;
        int hash = target.indexOf('#');
        String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
        String anchor = hash < 0 ? "" : target.substring(hash + 1);
        Path resolved = path.isEmpty() ? from : from.getParent().resolve(path).normalize();
        if (!resolved.startsWith(Repo.ROOT)) return "leads outside the repository";
        if (!Files.exists(resolved)) return "no such file";
        if (anchor.isEmpty() || !resolved.toString().endsWith(".md")) return null;
        Set<String> known = anchors.computeIfAbsent(resolved, DocumentationLinksTest::anchors);
        return known.contains(anchor) ? null : "no heading with anchor #" + anchor + " in " + RepoFiles.name(resolved);
    }

    private record Link(int line, String target) {}

    private static List<Link> links(Path file) {
        List<Link> out = new ArrayList<>();
        List<String> lines = prose(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            for (Pattern p : List.of(INLINE_LINK, HTML_LINK)) {
                Matcher m = p.matcher(line);
                while (m.find()) out.add(new Link(i + 1, m.group(1)));
            }
            Matcher definition = REFERENCE_LINK.matcher(line);
            String previous = i == 0 ? "" : lines.get(i - 1);
            if (definition.matches() && (previous.isBlank() || REFERENCE_LINK.matcher(previous).matches())) {
                out.add(new Link(i + 1, definition.group(1)));
            }
        }
        return out;
    }

    /** GitHub's anchors for a Markdown file: one per heading (repeats numbered -1, -2, ...), plus explicit HTML anchors. */
    static Set<String> anchors(Path file) {
        Set<String> out = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(file)) {
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = slug(h.group(1));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                out.add(n == 0 ? slug : slug + "-" + n);
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) out.add(a.group(1));
        }
        return out;
    }

    /** GitHub's heading slug: the text without markup, lower case, punctuation dropped, spaces as hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replaceAll("<[^>]+>", "");
        StringBuilder slug = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') slug.appendCodePoint(c);
            else if (c == ' ') slug.append('-');
        });
        return slug.toString();
    }

    /**
     * The file's lines with fenced code blocks blanked and the link syntax taken out of inline code spans, so that a
     * link written as an example is not taken for one (and headings slug as on GitHub, which drops that punctuation).
     */
    private static List<String> prose(Path file) {
        List<String> out = new ArrayList<>();
        boolean inFence = false;
        for (String line : Repo.read(file).split("\n", -1)) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                out.add("");
            } else if (inFence) {
                out.add("");
            } else {
                out.add(CODE_SPAN.matcher(line).replaceAll(m -> Matcher.quoteReplacement(m.group().replaceAll("[\\[\\]()]", ""))));
            }
        }
        return out;
    }

    private static List<Path> markdownFiles() {
        return RepoFiles.text().stream().filter(p -> p.getFileName().toString().endsWith(".md")).toList();
    }

    /** {@code file:line: text} of every line of every text file that matches. */
    private static List<String> hits(Pattern pattern) {
        List<String> out = new ArrayList<>();
        for (Path file : RepoFiles.text()) {
            String[] lines = Repo.read(file).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = pattern.matcher(lines[i]);
                if (m.find()) out.add(RepoFiles.name(file) + ":" + (i + 1) + ": " + m.group());
            }
        }
        return out;
    }
}
