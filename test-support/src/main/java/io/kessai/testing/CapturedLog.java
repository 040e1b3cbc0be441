package io.kessai.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The log records a {@code @QuarkusTest}'s application writes while a test runs, at WARN and above, for tests that
 * assert what an attack costs in the log (one line, not a stack trace per request). Quarkus logs through JBoss
 * LogManager, which is java.util.logging's manager in the tests, so a handler on the root logger sees every record.
 */
public final class CapturedLog implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Handler handler = new Handler() {

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private CapturedLog() {
        root.addHandler(handler);
    }

    /** Starts capturing; close it to stop. */
    public static CapturedLog start() {
        return new CapturedLog();
    }

    /** The WARN and ERROR records so far, oldest first. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** A record as one readable line, for assertion messages. */
    public static String describe(LogRecord record) {
        return record.getLevel() + " " + record.getLoggerName() + ": " + message(record)
                + (record.getThrown() != null ? " [thrown: " + record.getThrown() + "]" : "");
    }

    /** The message with its parameters filled in, as the log shows it. */
    public static String message(LogRecord record) {
        return record instanceof ExtLogRecord formatted ? formatted.getFormattedMessage() : record.getMessage();
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
