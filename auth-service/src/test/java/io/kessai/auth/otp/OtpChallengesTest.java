package io.kessai.auth.otp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.common.problem.ProblemException;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class OtpChallengesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    OtpChallenges challenges;

    @Inject
    Pool pool;

    /** A number no other test of this run uses, so that its per-number limits are this test's alone. */
    private static String phone() {
        return TestUsers.Phone.fresh().e164();
    }

    private OtpChallenges.Issued issue(OtpChallenges.Purpose purpose, String subject, String phone) {
        return pool.withTransaction(tx -> challenges.issue(tx, purpose, subject, phone)).await().atMost(WAIT);
    }

    private String verify(UUID id, OtpChallenges.Purpose purpose, String code) {
        return challenges.verify(id, purpose, code).await().atMost(WAIT);
    }

    private ProblemException refusal(UUID id, OtpChallenges.Purpose purpose, String code) {
        return assertThrows(ProblemException.class, () -> verify(id, purpose, code));
    }

    private static String wrong(String code) {
        return String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000);
    }

    @Test
    void aCodeIsSixDigitsAndPassesOnceForItsPurpose() {
        OtpChallenges.Issued issued = issue(OtpChallenges.Purpose.REGISTER, "usr-1", phone());
        assertTrue(issued.code().matches("\\d{6}"), issued.code());
        assertEquals("invalid-code", refusal(issued.id(), OtpChallenges.Purpose.REGISTER, "x").code());
        assertEquals("invalid-code", refusal(issued.id(), OtpChallenges.Purpose.LOGIN, issued.code()).code());
        assertEquals("usr-1", verify(issued.id(), OtpChallenges.Purpose.REGISTER, issued.code()));
        assertEquals("code-expired", refusal(issued.id(), OtpChallenges.Purpose.REGISTER, issued.code()).code(),
                "a code is single use");
    }

    @Test
    void fiveWrongCodesEndTheChallengeEvenForTheRightCode() {
        OtpChallenges.Issued issued = issue(OtpChallenges.Purpose.LOGIN, "usr-2", phone());
        for (int attempt = 1; attempt <= 4; attempt++) {
            ProblemException refused = refusal(issued.id(), OtpChallenges.Purpose.LOGIN, wrong(issued.code()));
            assertEquals("invalid-code", refused.code());
            assertTrue(refused.getMessage().contains((5 - attempt) + " attempt"), refused.getMessage());
        }
        assertEquals("code-attempts-exhausted",
                refusal(issued.id(), OtpChallenges.Purpose.LOGIN, wrong(issued.code())).code());
        assertEquals("code-attempts-exhausted",
                refusal(issued.id(), OtpChallenges.Purpose.LOGIN, issued.code()).code());
    }

    @Test
    void anExpiredCodeIsRefusedAndAnUnknownChallengeLooksLikeAWrongCode() {
        OtpChallenges.Issued issued = issue(OtpChallenges.Purpose.RESET, "usr-3", phone());
        pool.preparedQuery("UPDATE otp_challenge SET expires_at = now() - interval '1 second' WHERE id = $1")
                .execute(Tuple.of(issued.id())).await().atMost(WAIT);
        assertEquals("code-expired", refusal(issued.id(), OtpChallenges.Purpose.RESET, issued.code()).code());
        assertEquals("invalid-code", refusal(UUID.randomUUID(), OtpChallenges.Purpose.RESET, "123456").code());
    }

    @Test
    void codesLiveFiveMinutesAndAreStoredOnlyAsAKeyedHash() {
        OtpChallenges.Issued issued = issue(OtpChallenges.Purpose.STEP_UP, "usr-4", phone());
        var row = pool.preparedQuery("SELECT code_hmac, extract(epoch FROM expires_at - created_at)::int AS seconds "
                + "FROM otp_challenge WHERE id = $1").execute(Tuple.of(issued.id())).await().atMost(WAIT).iterator()
                .next();
        assertFalse(row.getString("code_hmac").contains(issued.code()));
        assertEquals(64, row.getString("code_hmac").length());
        assertEquals(300, row.getInteger("seconds"));
    }

    @Test
    void aNumberGetsOneCodePer30SecondsWithRetryAfter() {
        String phone = phone();
        issue(OtpChallenges.Purpose.LOGIN, "usr-5", phone);
        ProblemException limited = assertThrows(ProblemException.class,
                () -> issue(OtpChallenges.Purpose.LOGIN, "usr-5", phone));
        assertEquals(429, limited.status());
        assertEquals("too-many-codes", limited.code());
        int retryAfter = Integer.parseInt(limited.headers().get("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
    }

    @Test
    void aNumberGetsAtMostFiveCodesAnHour() {
        String phone = phone();
        for (int i = 0; i < 5; i++) {
            issue(OtpChallenges.Purpose.LOGIN, "usr-6", phone);
            // Age the codes past the 30-second interval, but not past the hour.
            pool.preparedQuery("UPDATE otp_challenge SET created_at = created_at - interval '31 seconds' "
                    + "WHERE destination = $1").execute(Tuple.of(phone)).await().atMost(WAIT);
        }
        ProblemException limited = assertThrows(ProblemException.class,
                () -> issue(OtpChallenges.Purpose.LOGIN, "usr-6", phone));
        assertEquals("too-many-codes", limited.code());
        assertTrue(Integer.parseInt(limited.headers().get("Retry-After")) > 3_000);
    }
}
