package io.kessai.bench;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * The payments benchmark's Gatling simulation: an open model (virtual users arrive at a constant rate per segment,
 * each sends one payment, MPM or CPM as the run's {@link Payers} make them, and leaves), so a slow answer delays no later payment and latency includes any queueing.
 * Gatling creates it by reflection inside {@link PaymentBenchmark}'s JVM; what it sends comes from {@link #load}, set
 * just before the run.
 */
public final class PaymentSimulation extends Simulation {

    /** The run's plan and its counters; Gatling offers no other way into a simulation it instantiates itself. */
    static volatile PaymentLoad load;
    /** Connections Gatling keeps to payment-service, shared by the virtual users (as a load balancer's pool). */
    static volatile int connections = 128;
    /** Quiet seconds before each phase but the first, for the work a phase leaves behind (receipts, reconciler). */
    static volatile int pauseSeconds = 5;

    public PaymentSimulation() {
        PaymentLoad plan = load;
        HttpProtocolBuilder protocol = http.baseUrl(plan.paymentUrl().toString())
                .shareConnections()
                .maxConnectionsPerHost(connections)
                .contentTypeHeader("application/json")
                .acceptHeader("application/json")
                .disableWarmUp()
                .disableCaching();
        List<PopulationBuilder> populations = new ArrayList<>();
        for (PaymentLoad.Phase phase : plan.phases()) {
            populations.add(scenario(phase.name).exec(pay(plan, phase)).injectOpen(injection(phase)));
        }
        // Each phase starts when the one before has ended, so that no two phases' payments mix.
        PopulationBuilder chain = populations.getLast();
        for (int i = populations.size() - 2; i >= 0; i--) {
            chain = populations.get(i).andThen(chain);
        }
        setUp(chain).protocols(protocol);
    }

    private static ChainBuilder pay(PaymentLoad plan, PaymentLoad.Phase phase) {
        Payers payers = plan.payers();
        String request = payers.mode()
                + (phase.target == PaymentLoad.Target.HOT ? " hot merchant" : " spread merchant");
        return exec(session -> {
            PaymentLoad.Payment payment = plan.next(phase);
            return payment == null
                    ? session.set("send", false).set("stop", plan.firstToStop(phase))
                    : session.setAll(java.util.Map.of("send", true, "stop", false, "payment", payment,
                            "authorization", payment.request().authorization(), "key", payment.key(), "body",
                            payment.request().body()));
        }).exec(stopLoadGeneratorIf("the saturation search ended: the step before did not keep up",
                session -> session.getBoolean("stop")))
                .doIf(session -> session.getBoolean("send")).then(
                        exec(http(request)
                                .post(payers.path())
                                .header("Authorization", "#{authorization}")
                                .header("Idempotency-Key", "#{key}")
                                .body(StringBody("#{body}"))
                                // Saved before the status is judged, so that a refusal's status and answer are counted too.
                                .check(status().saveAs("status"), bodyString().saveAs("answer"), status().in(201, 202)))
                                .exec(session -> answered(plan, session)));
    }

    private static Session answered(PaymentLoad plan, Session session) {
        PaymentLoad.Payment payment = (PaymentLoad.Payment) session.get("payment");
        int status = session.contains("status") ? session.getInt("status") : 0;
        plan.answered(payment, status, session.contains("answer") ? session.getString("answer") : null);
        return session;
    }

    private static List<OpenInjectionStep> injection(PaymentLoad.Phase phase) {
        List<OpenInjectionStep> steps = new ArrayList<>();
        if (phase.index > 0 && pauseSeconds > 0) {
            // The outbox still delivers the last phase's receipts for a while: let it, before anything is counted.
            steps.add(nothingFor(Duration.ofSeconds(pauseSeconds)));
        }
        phase.segments.forEach(segment -> steps.add(constantUsersPerSec(segment.perSecond())
                .during(Duration.ofSeconds(segment.seconds()))));
        return steps;
    }
}
