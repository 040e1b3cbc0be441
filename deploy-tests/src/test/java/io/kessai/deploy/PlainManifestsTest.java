package io.kessai.deploy;

import org.junit.jupiter.api.Test;

/**
 * k8s/kessai.yaml is the chart rendered with its default values, for {@code kubectl apply} users; it fails here when it
 * drifts from the chart (regenerate: {@code ./mvnw -pl deploy-tests test -Dkessai.k8s.regenerate=true}).
 */
class PlainManifestsTest {

    static final String HEADER = """
            # Generated from helm/kessai with its default values (release name kessai, Kubernetes %s): do not edit.
            # Regenerate: ./mvnw -B -pl deploy-tests test -Dkessai.k8s.regenerate=true (k8s/README.md). Create the
            # Secrets it names first (helm/kessai/README.md, "Secrets"), then: kubectl apply -n <namespace> -f k8s/kessai.yaml
            """;

    @Test
    void plainManifestsAreTheChartWithDefaultValues() {
        Regeneration.check(Chart.REPOSITORY.resolve("k8s/kessai.yaml"),
                HEADER.formatted(Chart.KUBE_VERSION) + Chart.renderDefault().strip() + "\n");
    }
}
