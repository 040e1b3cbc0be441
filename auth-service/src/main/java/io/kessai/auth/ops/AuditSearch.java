package io.kessai.auth.ops;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.login.LoginRequest;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.auth.security.ClientAddress;
import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reads the security audit log for ops, newest first, a bounded page at a time. A search must name a user, phone,
 * device, address or type, so nobody reads the whole log by accident; each of these has an index ordered by id
 * except the device (a device id alone is matched while walking the log newest first). The cursor is opaque (it
 * encodes the last id shown), so pages stay stable while new events arrive.
 */
@ApplicationScoped
public class AuditSearch {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;
    private static final String ADDRESS = "[0-9A-Za-z.:%_-]{1,100}";
    private static final List<String> TYPES = Arrays.stream(AuditLog.Type.values()).map(AuditLog.Type::wire)
            .toList();
    private static final List<String> OUTCOMES = Arrays.stream(AuditLog.Outcome.values())
            .map(AuditLog.Outcome::wire).toList();

    /** The filters as ops wrote them. */
    public record Query(String userId, String phone, String deviceId, String address, String type, String outcome,
            String from, String to, String limit, String cursor) {
    }

    private final Pool pool;
    private final ObjectMapper json;

    AuditSearch(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    public Uni<OpsViews.AuditPage> search(Query query) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<String> conditions = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        if (blank(query.userId()) && blank(query.phone()) && blank(query.deviceId()) && blank(query.address())
                && blank(query.type())) {
            String message = "Give at least one of userId, phone, deviceId, address or type.";
            for (String field : List.of("address", "deviceId", "phone", "type", "userId")) {
                errors.add(new Problem.FieldError(field, message));
            }
            throw new ProblemException(400, ProblemCodes.VALIDATION_FAILED, "Request validation failed", message,
                    errors, Map.of());
        }
        if (!blank(query.userId())) {
            UUID id = OpsProblems.userId(query.userId().trim());
            if (id == null) {
                errors.add(new Problem.FieldError("userId", "userId must be a user id (a UUID)."));
            }
            condition(conditions, values, "user_id = $", id);
        }
        if (!blank(query.phone())) {
            try {
                condition(conditions, values, "phone_e164 = $", PhoneNumbers.toE164(query.phone(), "phone"));
            } catch (ProblemException invalid) {
                errors.addAll(invalid.errors());
            }
        }
        if (!blank(query.deviceId())) {
            if (!query.deviceId().matches(LoginRequest.DEVICE_ID)) {
                errors.add(new Problem.FieldError("deviceId", "deviceId must be 8 to 128 of A-Z a-z 0-9 . _ : -"));
            }
            condition(conditions, values, "device_id = $", query.deviceId());
        }
        if (!blank(query.address())) {
            if (!query.address().matches(ADDRESS)) {
                errors.add(new Problem.FieldError("address", "address must be an IP address, e.g. 203.0.113.7."));
            }
            // The log holds addresses in canonical form (ClientAddress): 2001:DB8:0::1 finds 2001:db8::1.
            condition(conditions, values, "address = $", ClientAddress.canonical(query.address().trim()));
        }
        if (!blank(query.type())) {
            if (!TYPES.contains(query.type())) {
                errors.add(new Problem.FieldError("type", "type must be one of " + String.join(", ", TYPES) + "."));
            }
            condition(conditions, values, "type = $", query.type());
        }
        if (!blank(query.outcome())) {
            if (!OUTCOMES.contains(query.outcome())) {
                errors.add(new Problem.FieldError("outcome",
                        "outcome must be one of " + String.join(", ", OUTCOMES) + "."));
            }
            condition(conditions, values, "outcome = $", query.outcome());
        }
        OffsetDateTime from = instant(query.from(), "from", errors);
        OffsetDateTime to = instant(query.to(), "to", errors);
        if (from != null && to != null && !to.isAfter(from)) {
            errors.add(new Problem.FieldError("to", "to must be after from."));
        }
        condition(conditions, values, "at >= $", from);
        condition(conditions, values, "at < $", to);
        int limit = limit(query.limit());
        if (limit < 1 || limit > MAX_LIMIT) {
            errors.add(new Problem.FieldError("limit", "limit must be a whole number from 1 to " + MAX_LIMIT + "."));
        }
        if (!errors.isEmpty()) {
            errors.sort((a, b) -> a.field().compareTo(b.field()));
            throw new ProblemException(400, ProblemCodes.VALIDATION_FAILED, "Request validation failed",
                    errors.stream().map(Problem.FieldError::message).collect(Collectors.joining(" ")), errors,
                    Map.of());
        }
        condition(conditions, values, "id < $", decode(query.cursor()));
        values.add(limit + 1);
        // Only the filters given are in the statement, so the planner can use the index of the one it picks.
        String sql = "SELECT id, at, type, outcome, user_id, phone_e164, device_id, address, actor, detail::text "
                + "AS detail FROM audit_event WHERE " + String.join(" AND ", conditions)
                + " ORDER BY id DESC LIMIT $" + values.size();
        return pool.preparedQuery(sql).execute(Tuple.from(values)).map(rows -> {
            List<OpsViews.AuditEvent> events = new ArrayList<>();
            for (Row row : rows) {
                if (events.size() == limit) {
                    return new OpsViews.AuditPage(List.copyOf(events), encode(events.get(limit - 1).id()));
                }
                events.add(event(row));
            }
            return new OpsViews.AuditPage(List.copyOf(events), null);
        });
    }

    private OpsViews.AuditEvent event(Row row) {
        UUID userId = row.getUUID("user_id");
        try {
            return new OpsViews.AuditEvent(row.getLong("id"), row.getOffsetDateTime("at"), row.getString("type"),
                    row.getString("outcome"), userId == null ? null : userId.toString(), row.getString("phone_e164"),
                    row.getString("device_id"), row.getString("address"), row.getString("actor"),
                    json.readTree(row.getString("detail")));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit detail is not JSON", e);
        }
    }

    /** Adds {@code sql} (ending in {@code $}) with its value as the next parameter; nothing when the value is null. */
    private static void condition(List<String> conditions, List<Object> values, String sql, Object value) {
        if (value != null) {
            values.add(value);
            conditions.add(sql + values.size());
        }
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    private static int limit(String text) {
        if (blank(text)) {
            return DEFAULT_LIMIT;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static OffsetDateTime instant(String text, String field, List<Problem.FieldError> errors) {
        if (blank(text)) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.trim());
        } catch (DateTimeParseException e) {
            errors.add(new Problem.FieldError(field,
                    field + " must be an ISO-8601 time with an offset, e.g. 2026-11-22T12:00:00+09:00."));
            return null;
        }
    }

    static String encode(long id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("a" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static Long decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith("a")) {
                long id = Long.parseLong(text.substring(1));
                if (id > 0) {
                    return id;
                }
            }
        } catch (IllegalArgumentException notOurs) {
            // answered below
        }
        String detail = "The cursor is not one this API gave out; start from the first page.";
        throw new ProblemException(400, "invalid-cursor", "Invalid cursor", detail,
                List.of(new Problem.FieldError("cursor", detail)), Map.of());
    }
}
