package io.selfalign.trainer.keysort;

import java.util.ArrayList;
import java.util.List;

/**
 * The 36-token vocabulary of the KeySort task (docs/algorithm.md §8): four specials and 32 content tokens
 * whose text is {@code k04 … k35}, so that a token's text sorts like its id and a response reads at a glance.
 */
public final class KeySortVocab {
    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int SEP = 2;
    public static final int EOS = 3;
    public static final int FIRST_CONTENT = 4;
    public static final int SIZE = 36;
    public static final int CONTENT_COUNT = SIZE - FIRST_CONTENT;
    /** At most this many content tokens in a response; EOS is forced after it (and then counts as missing). */
    public static final int MAX_RESPONSE_TOKENS = 12;
    /** Prompt {@code BOS k1..k5 SEP} plus 12 content tokens plus EOS. */
    public static final int CONTEXT = 20;

    private static final String[] SPECIALS = {"<pad>", "<s>", "<sep>", "</s>"};

    private KeySortVocab() {}

    public static String text(int id) {
        if (id < 0 || id >= SIZE) throw new IllegalArgumentException("token id out of range 0.." + (SIZE - 1) + ": " + id);
        return id < FIRST_CONTENT ? SPECIALS[id] : String.format("k%02d", id);
    }

    public static boolean isContent(int id) {
        return id >= FIRST_CONTENT && id < SIZE;
    }

    /** The id of one token's text, or -1 when the text is not in the vocabulary. */
    public static int id(String token) {
        for (int i = 0; i < FIRST_CONTENT; i++) if (SPECIALS[i].equals(token)) return i;
        if (token.length() == 3 && token.charAt(0) == 'k' && Character.isDigit(token.charAt(1)) && Character.isDigit(token.charAt(2))) {
            int id = Integer.parseInt(token.substring(1));
            if (isContent(id)) return id;
        }
        return -1;
    }

    /** Space-joined token texts, the form every JSONL file holds. */
    public static String join(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(text(id));
        }
        return sb.toString();
    }

    /** Prompt text {@code <s> k.. k.. <sep>}. */
    public static String promptText(int[] keys) {
        int[] ids = new int[keys.length + 2];
        ids[0] = BOS;
        System.arraycopy(keys, 0, ids, 1, keys.length);
        ids[ids.length - 1] = SEP;
        return join(ids);
    }

    /** The keys of a prompt text; fails naming the offending token when the text is not a KeySort prompt. */
    public static int[] parsePrompt(String prompt) {
        String[] words = prompt.trim().split("\\s+");
        if (words.length < 3 || !words[0].equals(text(BOS)) || !words[words.length - 1].equals(text(SEP))) {
            throw new IllegalArgumentException("not a KeySort prompt (expected '<s> k.. <sep>'): " + prompt);
        }
        int[] keys = new int[words.length - 2];
        for (int i = 0; i < keys.length; i++) {
            int id = id(words[i + 1]);
            if (!isContent(id)) throw new IllegalArgumentException("not a content token '" + words[i + 1] + "' in prompt: " + prompt);
            keys[i] = id;
        }
        return keys;
    }

    /**
     * The token ids of a response text as a generator decodes it (EOS not written). Unknown words become
     * -1: they are not keys, so the gold reward counts them as extra tokens.
     */
    public static int[] parseResponse(String response) {
        String trimmed = response.trim();
        if (trimmed.isEmpty()) return new int[0];
        List<Integer> ids = new ArrayList<>();
        for (String w : trimmed.split("\\s+")) {
            int id = id(w);
            if (id == EOS) break;
            ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
