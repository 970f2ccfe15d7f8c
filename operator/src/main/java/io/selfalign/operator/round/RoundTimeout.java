package io.selfalign.operator.round;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code roundTimeout} ("6h", "90m", "1h30m", "45s") into the Job's activeDeadlineSeconds. */
public final class RoundTimeout {
    private static final Pattern FORMAT = Pattern.compile("^(?:(\\d{1,7})h)?(?:(\\d{1,7})m)?(?:(\\d{1,7})s)?$");

    private RoundTimeout() {}

    /** Seconds, or null when unset. */
    public static Long seconds(String timeout) {
        if (timeout == null) return null;
        Matcher m = FORMAT.matcher(timeout);
        if (timeout.isEmpty() || !m.matches()) {
            throw new IllegalArgumentException("roundTimeout: expected a duration such as 6h, 90m or 1h30m, got '" + timeout + "'");
        }
        long seconds = part(m.group(1)) * 3600 + part(m.group(2)) * 60 + part(m.group(3));
        if (seconds <= 0) throw new IllegalArgumentException("roundTimeout: must be positive, got '" + timeout + "'");
        return seconds;
    }

    private static long part(String digits) {
        return digits == null ? 0 : Long.parseLong(digits);
    }
}
