package io.kessai.common.batch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Group commit, built once: concurrent requests are handed to a {@link Poster} together, as one group (one database
 * transaction, one commit, one call to another service), and each request gets its own answer, the one a request of
 * its own would have had.
 * <p>
 * A request goes at once while fewer than {@code inFlight} groups are being posted (after {@code window}, when one is
 * set); otherwise it waits for one of them to finish and goes with the next group, up to {@code maxBatch} requests. So
 * under light load nothing waits, and under heavy load requests share commits instead of queueing for connections.
 * Two requests with the same {@code key} never share a group: the later one goes with a later group.
 *
 * @param <T> what one request asks for
 * @param <R> what one request is answered
 */
public final class Groups<T, R> {

    /** How groups form: the most requests in one, the most groups in flight at once, and the wait for company. */
    public record Settings(int maxBatch, int inFlight, Duration window) {

        public Settings {
            if (maxBatch < 1 || inFlight < 1 || window.isNegative()) {
                throw new IllegalArgumentException("a group holds at least 1 request, at least 1 group is in flight, "
                        + "and the window is not negative");
            }
        }
    }

    /** One request's answer from its group: its value, or the failure it alone gets. */
    public record Answer<R>(R value, Throwable failure) {

        public static <R> Answer<R> of(R value) {
            return new Answer<>(value, null);
        }

        public static <R> Answer<R> failed(Throwable failure) {
            return new Answer<>(null, failure);
        }
    }

    /**
     * Posts one group and answers each of its requests, in their order; a failure of the whole {@link Uni} is every
     * request's answer (nothing of the group was done).
     */
    public interface Poster<T, R> {

        Uni<List<Answer<R>>> post(List<T> group);
    }

    private record Waiting<T, R>(T item, Object key, Context context, UniEmitter<? super R> emitter) {
    }

    private final Poster<T, R> poster;
    private final Function<T, Object> key;
    private final Vertx vertx;
    private final Settings settings;
    private final Deque<Waiting<T, R>> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean timerSet;

    /**
     * @param key   what two requests of one group may not share (an idempotency key, a row both would update)
     * @param vertx for the window's timer and to answer each request on its own event loop; null in unit tests that
     *              use no window
     */
    public Groups(Poster<T, R> poster, Function<T, Object> key, Vertx vertx, Settings settings) {
        this.poster = poster;
        this.key = key;
        this.vertx = vertx;
        this.settings = settings;
    }

    /** Posts {@code item} with whatever other requests are waiting. */
    public Uni<R> submit(T item) {
        return Uni.createFrom().emitter(emitter -> {
            Waiting<T, R> request = new Waiting<>(item, key.apply(item), Vertx.currentContext(), emitter);
            List<Waiting<T, R>> group;
            synchronized (this) {
                waiting.add(request);
                group = nextGroup();
            }
            send(group);
        });
    }

    /** The next group to post now, or null; under the lock. */
    private List<Waiting<T, R>> nextGroup() {
        if (waiting.isEmpty() || inFlight >= settings.inFlight()) {
            return null;
        }
        long windowMillis = settings.window().toMillis();
        if (windowMillis > 0 && waiting.size() < settings.maxBatch()) {
            if (!timerSet) {
                timerSet = true;
                vertx.setTimer(windowMillis, id -> {
                    List<Waiting<T, R>> group;
                    synchronized (this) {
                        timerSet = false;
                        group = takeGroup();
                    }
                    send(group);
                });
            }
            return null;
        }
        return takeGroup();
    }

    /** Takes up to max-batch waiting requests with distinct keys; under the lock. */
    private List<Waiting<T, R>> takeGroup() {
        if (waiting.isEmpty() || inFlight >= settings.inFlight()) {
            return null;
        }
        List<Waiting<T, R>> group = new ArrayList<>();
        Set<Object> keys = new HashSet<>();
        for (Iterator<Waiting<T, R>> it = waiting.iterator(); it.hasNext() && group.size() < settings.maxBatch();) {
            Waiting<T, R> next = it.next();
            if (keys.add(next.key())) {
                group.add(next);
                it.remove();
            }
        }
        inFlight++;
        return group;
    }

    private void send(List<Waiting<T, R>> group) {
        if (group == null) {
            return;
        }
        Uni.createFrom().deferred(() -> poster.post(group.stream().map(Waiting::item).toList()))
                .subscribe().with(answers -> {
                    finished();
                    for (int i = 0; i < group.size(); i++) {
                        Answer<R> answer = answers.get(i);
                        Waiting<T, R> request = group.get(i);
                        answer(request, () -> {
                            if (answer.failure() != null) {
                                request.emitter().fail(answer.failure());
                            } else {
                                request.emitter().complete(answer.value());
                            }
                        });
                    }
                }, failure -> {
                    finished();
                    for (Waiting<T, R> request : group) {
                        answer(request, () -> request.emitter().fail(failure));
                    }
                });
    }

    /** A group is done: the next one, if requests are waiting, goes at once. */
    private void finished() {
        List<Waiting<T, R>> group;
        synchronized (this) {
            inFlight--;
            group = takeGroup();
        }
        send(group);
    }

    /** Answers on the request's own event loop, where its response is written. */
    private static void answer(Waiting<?, ?> request, Runnable answer) {
        if (request.context() == null) {
            answer.run();
        } else {
            request.context().runOnContext(ignored -> answer.run());
        }
    }
}
