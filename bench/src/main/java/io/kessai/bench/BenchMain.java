package io.kessai.bench;

import java.util.logging.Level;
import java.util.logging.Logger;

import io.kessai.stack.StackException;

/** What every benchmark's main does around its run: quiet logs, and a one-line failure with exit code 1. */
final class BenchMain {

    /** A benchmark's run, given its arguments. */
    interface Run {

        void run(String[] args) throws Exception;
    }

    private BenchMain() {
    }

    static void main(String[] args, Run run) {
        Logger.getLogger("").setLevel(Level.WARNING);
        Logger.getLogger("io.zonky").setLevel(Level.SEVERE);
        try {
            run.run(args);
        } catch (BenchmarkException | StackException e) {
            fail(e.getMessage());
        } catch (Exception e) {
            e.printStackTrace();
            fail("the benchmark failed: " + e);
        }
    }

    private static void fail(String message) {
        System.err.println("bench: " + message);
        System.exit(1);
    }
}
