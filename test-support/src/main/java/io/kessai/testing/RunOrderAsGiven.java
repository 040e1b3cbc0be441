package io.kessai.testing;

import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * Keeps test classes in the order Surefire and Failsafe hand them over ({@code runOrder}: alphabetical by default,
 * {@code random} with a seed, {@code reversealphabetical}...). The root pom names it as the secondary orderer of
 * Quarkus's {@code QuarkusTestProfileAwareClassOrderer}, which still groups the classes that share an application
 * start; without it Quarkus sorts each group by class name and {@code -Dsurefire.runOrder} would change nothing.
 */
public class RunOrderAsGiven implements ClassOrderer {

    @Override
    public void orderClasses(ClassOrdererContext context) {
        // The list arrives in the build tool's order; leaving it alone is the point.
    }
}
