package io.kessai.notification.devinbox;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The dev inbox can never run in production: it would show one-time codes to anyone with a service token. */
class DevInboxGuardTest {

    @Test
    void enabledUnderTheProdProfileRefusesToStart() {
        assertThrows(IllegalStateException.class, () -> DevInbox.refuseInProduction(true, List.of("prod")));
        assertThrows(IllegalStateException.class, () -> DevInbox.refuseInProduction(true, List.of("kubernetes",
                "prod")));
    }

    @Test
    void enabledInDevTestOrLocalIsAllowed() {
        assertDoesNotThrow(() -> DevInbox.refuseInProduction(true, List.of("dev")));
        assertDoesNotThrow(() -> DevInbox.refuseInProduction(true, List.of("test")));
        assertDoesNotThrow(() -> DevInbox.refuseInProduction(true, List.of("local")));
    }

    @Test
    void disabledIsAlwaysAllowed() {
        assertDoesNotThrow(() -> DevInbox.refuseInProduction(false, List.of("prod")));
    }
}
