package io.selfalign.local;

import java.util.logging.Level;
import org.jboss.logmanager.LogContext;

/** Local mode's console shows the status table, warnings and errors; not every API request. */
final class Quiet {
    private Quiet() {}

    static void logs() {
        LogContext context = LogContext.getLogContext();
        context.getLogger("").setLevel(Level.WARNING);
        context.getLogger("io.selfalign").setLevel(Level.INFO);
    }
}
