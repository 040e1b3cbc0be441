package io.kessai.wallet.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** Reads posted transfers back, with their legs and entries, by id or by the caller's idempotency key. */
@ApplicationScoped
public class TransferReader {

    /** A stored transfer with what idempotency and object-level checks need. */
    public record Stored(TransferView view, String caller, String requestSha256) {
    }

    private static final String SELECT = "SELECT t.*, "
            + "(SELECT json_agg(json_build_object('leg', l.leg, 'from', l.from_account, 'to', l.to_account, "
            + "'amount', l.amount) ORDER BY l.leg) FROM transfer_leg l WHERE l.transfer_id = t.id) AS legs, "
            + "(SELECT json_agg(json_build_object('leg', e.leg, 'account', e.account_id, 'shard', e.shard, "
            + "'amount', e.amount, 'balanceAfter', e.balance_after) ORDER BY e.position) FROM entry e "
            + "WHERE e.transfer_id = t.id) AS entries FROM transfer t ";

    public Uni<Stored> byKey(SqlClient client, String caller, String idempotencyKey) {
        return client.preparedQuery(SELECT + "WHERE t.caller = $1 AND t.idempotency_key = $2")
                .execute(Tuple.of(caller, idempotencyKey))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    public Uni<Stored> byId(SqlClient client, UUID id) {
        return client.preparedQuery(SELECT + "WHERE t.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    private static Stored stored(Row row) {
        String currency = row.getString("currency");
        List<TransferView.Leg> legs = new ArrayList<>();
        JsonArray legRows = json(row, "legs");
        for (int i = 0; i < legRows.size(); i++) {
            JsonObject leg = legRows.getJsonObject(i);
            legs.add(new TransferView.Leg(leg.getInteger("leg"), UUID.fromString(leg.getString("from")),
                    UUID.fromString(leg.getString("to")), leg.getLong("amount"), currency));
        }
        List<TransferView.Entry> entries = new ArrayList<>();
        JsonArray entryRows = json(row, "entries");
        for (int i = 0; i < entryRows.size(); i++) {
            JsonObject entry = entryRows.getJsonObject(i);
            entries.add(new TransferView.Entry(entry.getInteger("leg"), UUID.fromString(entry.getString("account")),
                    entry.getInteger("shard"), entry.getLong("amount"), entry.getLong("balanceAfter")));
        }
        TransferView view = new TransferView(row.getUUID("id"), row.getString("idempotency_key"),
                row.getString("kind"), "posted", row.getString("reference"),
                ((JsonObject) row.getValue("metadata")).getMap(), currency, row.getUUID("reverses"),
                row.getUUID("hold_id"), row.getOffsetDateTime("created_at"), List.copyOf(legs), List.copyOf(entries));
        return new Stored(view, row.getString("caller"), row.getString("request_sha256"));
    }

    private static JsonArray json(Row row, String column) {
        Object value = row.getValue(column);
        return value == null ? new JsonArray() : (JsonArray) value;
    }
}
