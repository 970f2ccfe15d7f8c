package io.selfalign.operator.validate;

/**
 * A user's value as quoted in an error message. Messages land in the run's status, which the viewer role
 * reads: a long value (a pasted token, a whole file) is cut, so that at most its start is repeated.
 */
public final class UserValue {
    /** Characters of a value a message repeats at most. */
    public static final int MAX_SHOWN = 64;

    private UserValue() {}

    public static String shown(Object value) {
        String s = String.valueOf(value);
        if (s.length() <= MAX_SHOWN) return s;
        return s.substring(0, MAX_SHOWN) + "... (" + s.length() + " characters)";
    }
}
