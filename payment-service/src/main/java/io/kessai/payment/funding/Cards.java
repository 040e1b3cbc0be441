package io.kessai.payment.funding;

import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Customers' cards. Registering one sends the number and CVC to the {@link FundingGateway} to be tokenized and keeps
 * only the gateway's token, the brand, the last four digits and the expiry; the number and CVC are not stored, logged
 * or echoed anywhere. A removed card is kept (its top-ups name it) but can no longer be charged.
 */
@ApplicationScoped
public class Cards {

    /** At most this many active cards per customer. */
    static final int MAX_CARDS = 5;
    private static final ZoneId JST = ZoneId.of("Asia/Tokyo");
    private static final String COLUMNS = "id, customer_id, gateway_token, brand, last4, exp_month, exp_year, status, "
            + "created_at";

    private final Pool pool;
    private final FundingGateway gateway;

    Cards(Pool pool, FundingGateway gateway) {
        this.pool = pool;
        this.gateway = gateway;
    }

    /** A card as stored. */
    record Stored(UUID id, String customerId, String token, String brand, String last4, int expiryMonth,
            int expiryYear, String status, java.time.OffsetDateTime createdAt) {

        CardView view() {
            return new CardView(id, brand, last4, expiryMonth, expiryYear, status.toUpperCase(), createdAt);
        }
    }

    /** Registers a card for {@code customerId}; the caller has checked the step-up. */
    public Uni<CardView> register(String customerId, CardRequest request) {
        if (!CardRequest.luhn(request.number())) {
            throw FundingProblem.INVALID_CARD_NUMBER.exception("This is not a valid card number; check it.",
                    "number");
        }
        if (YearMonth.of(request.expiryYear(), request.expiryMonth()).isBefore(YearMonth.now(JST))) {
            throw FundingProblem.CARD_EXPIRED.exception("This card has expired.", "expiryYear");
        }
        return pool.preparedQuery("SELECT count(*) AS n FROM funding_card WHERE customer_id = $1 AND status = "
                + "'active'").execute(Tuple.of(customerId)).flatMap(counted -> {
                    if (counted.iterator().next().getLong("n") >= MAX_CARDS) {
                        throw FundingProblem.TOO_MANY_CARDS.exception("You may register at most " + MAX_CARDS
                                + " cards; remove one first.");
                    }
                    return gateway.tokenize(new FundingGateway.CardDetails(request.number(), request.expiryMonth(),
                            request.expiryYear(), request.cvc()));
                })
                .onFailure(FundingGateway.CardRefused.class).transform(e -> FundingProblem.CARD_NOT_SUPPORTED
                        .exception("The card network does not accept this card: " + e.getMessage()))
                .onFailure(FundingGateway.GatewayUnavailable.class)
                .transform(e -> io.kessai.common.problem.ProblemException
                        .unavailable("Cards cannot be registered right now; try again shortly."))
                .flatMap(card -> pool.preparedQuery("INSERT INTO funding_card (id, customer_id, gateway_token, brand, "
                        + "last4, exp_month, exp_year, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active') RETURNING "
                        + COLUMNS).execute(Tuple.from(
                                new Object[]{TimeOrderedUuid.next(), customerId, card.token(),
                                        card.brand(), card.last4(), card.expiryMonth(), card.expiryYear()})))
                .map(rows -> stored(rows.iterator().next()).view());
    }

    /** The customer's active cards, newest first. */
    public Uni<List<CardView>> list(String customerId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM funding_card WHERE customer_id = $1 AND status = "
                + "'active' ORDER BY created_at DESC, id DESC").execute(Tuple.of(customerId)).map(rows -> {
                    List<CardView> cards = new ArrayList<>();
                    rows.forEach(row -> cards.add(stored(row).view()));
                    return cards;
                });
    }

    /** Removes one of the customer's cards; another customer's, or one removed already, is 404. */
    public Uni<Void> remove(String customerId, UUID id) {
        return pool.preparedQuery("UPDATE funding_card SET status = 'removed', removed_at = now() WHERE id = $1 AND "
                + "customer_id = $2 AND status = 'active' RETURNING id").execute(Tuple.of(id, customerId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(id);
                    }
                    return null;
                });
    }

    /** One of the customer's active cards, or 404. */
    Uni<Stored> active(SqlClient client, String customerId, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM funding_card WHERE id = $1 AND customer_id = $2 AND "
                + "status = 'active'").execute(Tuple.of(id, customerId)).map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(id);
                    }
                    return stored(rows.iterator().next());
                });
    }

    /** The gateway token of a card, whatever its state (a top-up already under way finishes on it). */
    static Uni<String> token(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT gateway_token FROM funding_card WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.iterator().next().getString("gateway_token"));
    }

    static io.kessai.common.problem.ProblemException notFound(UUID id) {
        return FundingProblem.CARD_NOT_FOUND.exception("No card " + id + ".");
    }

    private static Stored stored(Row row) {
        return new Stored(row.getUUID("id"), row.getString("customer_id"), row.getString("gateway_token"),
                row.getString("brand"), row.getString("last4"), row.getInteger("exp_month"),
                row.getInteger("exp_year"), row.getString("status"), row.getOffsetDateTime("created_at"));
    }
}
